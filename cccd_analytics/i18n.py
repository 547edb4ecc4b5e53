"""Interface language: Vietnamese first, English on request.

Texts are written in Vietnamese at the call site and looked up here for English:
`t("Đã thu nhận")` → "Collected" when the language is English.  The language is per
thread (Streamlit runs each session's script in its own thread; the UI sets it at the
top of every run).  A Vietnamese text with no English entry stays Vietnamese, and a
test lists the ones missing.
"""

from __future__ import annotations

import threading

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
_state = threading.local()


def set_language(lang: str) -> None:
    _state.lang = lang if lang in LANGUAGES else "vi"


def language() -> str:
    return getattr(_state, "lang", "vi")


def t(text: str, **values) -> str:
    """The text in the current language, with `{name}` fields filled in."""
    out = EN.get(text, text) if language() == "en" else text
    return out.format(**values) if values else out


EN: dict[str, str] = {
    # navigation and shared filters
    "Tổng quan": "Overview",
    "Chênh lệch": "Gap",
    "{n} điểm": "{n} pts",
    "Ở mốc 70%, khoảng 80% chứa ngày thực tế {lo}–{hi} số lần tùy chiến dịch (mục tiêu 75–85%).": "At the 70% target the 80% range held the actual date {lo}–{hi} of the time, depending on the campaign (aim: 75–85%).",
    "Khả năng kịp hạn lệch thực tế nhiều nhất {gap} điểm (nhóm dự báo {decile}: thực tế {observed}).": "The on-time probability was off by up to {gap} points (forecasts of {decile}: {observed} on time).",
    "Khoảng dự báo 80%: {low} – {high}": "80% forecast range: {low} – {high}",
    "Lưu ý khi đọc dự báo: {note}": "Read the forecast with care: {note}",
    "Đơn vị": "Units",
    "Bản đồ": "Map",
    "Chất lượng số liệu": "Data quality",
    "Nhập số liệu": "Upload",
    "Chiến dịch": "Campaign",
    "Cài đặt chiến dịch": "Campaign settings",
    "Năng lực & giả định": "Capacity what-if",
    "Trình chiếu": "Presentation",
    "Số liệu tính đến": "Data as of",
    "Ngôn ngữ": "Language",
    "Độ tin cậy dự báo": "Forecast track record",
    "Chi tiết đơn vị": "Unit detail",
    # headline figures
    "Đã thu nhận": "Collected",
    "Chỉ tiêu": "Target",
    "Tỷ lệ so với chỉ tiêu": "Share of target",
    "Số ngày còn lại": "Days left",
    "Cần mỗi ngày": "Required per day",
    "+{n} trong ngày": "+{n} today",
    "{n} người đủ ĐK": "{n} eligible",
    "còn {n} hồ sơ": "{n} to go",
    "đến {d}": "until {d}",
    "bình quân 7 ngày: {n}": "7-day mean: {n}",
    "Số liệu tính đến **{d}** · hạn **{deadline}**": "Data as of **{d}** · deadline **{deadline}**",
    "Lũy kế so với chỉ tiêu": "Cumulative vs target",
    "Thu nhận mỗi ngày": "Collections per day",
    "Các mốc": "Milestones",
    "Các xã cần chú ý": "Communes needing attention",
    "Sắp xếp theo số hồ sơ cần thu nhận thêm mỗi ngày, nhiều nhất trước (quá hạn: theo số còn thiếu).": "Sorted by the extra applications needed each day, most first (past the deadline: by what is still owed).",
    "**{verdict}.** Dự báo đạt chỉ tiêu ngày **{d}** (khoảng {low} – {high}); khả năng kịp hạn **{p}**.": "**{verdict}.** Projected to reach the target on **{d}** (range {low} – {high}); chance of meeting the deadline **{p}**.",
    "**{verdict}.** Chưa đủ số liệu để dự báo ngày hoàn thành.": "**{verdict}.** Not enough data to project a completion date.",
    "{n}/{total} xã/phường chưa báo cáo số liệu ngày {d}: số liệu của các đơn vị này là của ngày báo cáo gần nhất.": "{n}/{total} communes have not reported for {d}: their figures are from their latest report.",
    "Chiến dịch chưa có số liệu nào đến ngày đã chọn.": "The campaign has no data up to the chosen day.",
    "Chưa có chiến dịch nào. Quản trị viên tạo chiến dịch ở trang «Cài đặt chiến dịch», cán bộ tổng hợp nhập báo cáo ở trang «Nhập số liệu»; hoặc, để xem thử, nạp dữ liệu mẫu bằng lệnh `cccd sample`.": "No campaign yet. An administrator creates one on the «Campaign settings» page and analysts upload reports on the «Upload» page; or, to try the product, load the sample data with `cccd sample`.",
    "Theo dõi cấp căn cước công dân": "CCCD issuance tracking",
    "hạn {d}": "deadline {d}",
    "{done}/{n} đơn vị đã xong": "{done}/{n} units done",
    "khả năng kịp hạn {p}": "chance on time {p}",
    "còn thiếu {n} hồ sơ": "{n} applications short",
    # statuses
    "Đã hoàn thành": "Done",
    "Đúng tiến độ": "On track",
    "Có nguy cơ chậm": "At risk",
    "Chậm tiến độ": "Behind",
    "Không đạt hạn": "Missed",
    "Chưa có số liệu": "No data",
    # table headers
    "Huyện": "District",
    "Số CD đủ điều kiện": "Eligible",
    "Tỷ lệ": "Coverage",
    "Bình quân 7 ngày": "7-day mean",
    "Dự báo hoàn thành": "Projected date",
    "Khả năng kịp hạn": "Chance on time",
    "Trạng thái": "Status",
    "Đã trả thẻ": "Returned",
    "Tồn chưa trả": "Backlog",
    "Cấp": "Level",
    "Xã/phường": "Commune",
    "Huyện/thị xã": "District",
    "Tỉnh": "Province",
    " (ngoài danh mục)": " (not in registry)",
    # charts
    "Lũy kế thu nhận": "Collected (cumulative)",
    "Lũy kế trả thẻ": "Returned (cumulative)",
    "Chỉ tiêu {n}": "Target {n}",
    "Tiến độ cần đạt": "Required path",
    "Khoảng dự báo 80%": "80% forecast range",
    "Dự báo": "Forecast",
    "Hạn {d}": "Deadline {d}",
    "Thu nhận trong ngày": "Collected that day",
    "Cần {n}/ngày": "Need {n}/day",
    "Trước": "Previous",
    "Sau": "Next",
    "Đầu": "First",
    "Thoát trình chiếu": "Exit",
    "Trang {i}/{n}": "Slide {i}/{n}",
    "số liệu đến {day}": "data as of {day}",
    "phím mũi tên, lên/xuống trang · F: toàn màn hình": "arrow keys, page up/down · F: full screen",
    "/ngày": "/day",
    "Dự báo đạt chỉ tiêu: {d}": "Projected: {d}",
    # pages added with the units, map, upload and settings pages
    "Ngoài phạm vi": "Outside the scope",
    "chỉ một phần thuộc phạm vi": "only partly in scope",
    "gộp từ {n} xã cũ": "sum of {n} former communes",
    "Bố cục": "Layout",
    "Các ngày": "Days",
    "Cảnh báo": "Warning",
    "Cột": "Column",
    "Dòng": "Row",
    "Dòng tiêu đề": "Header rows",
    "Dùng cách ghép cột này": "Use this column mapping",
    "Hợp lệ, sẵn sàng ghi.": "Valid, ready to save.",
    "Không nhận ra bố cục tệp này. Hãy chọn cột tương ứng; lựa chọn được ghi nhớ cho các tệp cùng mẫu.": "The layout of this file was not recognised. Choose the matching columns; the choice is remembered for files of the same shape.",
    "Lỗi": "Error",
    "Mã hóa": "Encoding",
    "Mức": "Level",
    "Ngày số liệu": "Data date",
    "Nội dung": "Message",
    "Sửa phông": "Font repair",
    "Trang": "Sheet",
    "Chưa có ranh giới cho phạm vi này.": "No boundaries are shipped for this scope yet.",
    "Huyện (trước 1/7/2025)": "Districts (before 1/7/2025)",
    "Lớp bản đồ": "Map layer",
    "Ranh giới: gis.chinhphu.vn (huyện, 2019) và sapnhap.bando.com.vn (xã 2025), qua dvhcvn và vietnamese-provinces-database — xem SOURCES.md.": "Boundaries: gis.chinhphu.vn (districts, 2019) and sapnhap.bando.com.vn (2025 communes), via dvhcvn and vietnamese-provinces-database — see SOURCES.md.",
    "Số liệu theo xã cũ được cộng vào xã, phường mới theo danh mục sắp xếp đơn vị hành chính 2025.": "Figures of former communes are summed into the new 2025 units using the official reorganisation list.",
    "Tô màu theo": "Colour by",
    "Xã, phường mới (từ 1/7/2025)": "New communes (from 1/7/2025)",
    'Chỉ tiêu ("100%" hoặc số thẻ, ví dụ 87000)': 'Target ("100%" or a number of cards, e.g. 87000)',
    "Danh sách xã": "Communes",
    "Ghi chú": "Note",
    "Hạn": "Deadline",
    "Hạn hoàn thành": "Deadline",
    "Lưu chiến dịch": "Save campaign",
    "Lưu nhãn": "Save tags",
    "Lịch làm việc": "Working calendar",
    "Ngày": "Date",
    "Ngày bắt đầu": "Start date",
    "Nhãn": "Tags",
    "Nhãn của đơn vị": "Unit tags",
    "Nhãn dùng cho các mốc theo nhóm, ví dụ «biên giới», «kiểu mẫu».": "Tags define milestone groups, e.g. «biên giới» (border), «kiểu mẫu» (model).",
    "Năng lực (0% = nghỉ, 100% = bình thường)": "Capacity (0% = day off, 100% = normal)",
    "Năng lực ngày Chủ nhật so với ngày thường": "Sunday capacity relative to a weekday",
    "Phạm vi (tỉnh, huyện hoặc xã)": "Scope (province, district or commune)",
    "Tên chiến dịch": "Campaign name",
    "Tên mốc": "Milestone",
    "Tôi chắc chắn muốn xóa «{name}»": "I am sure I want to delete «{name}»",
    "Xóa": "Delete",
    "Xóa chiến dịch": "Delete campaign",
    "theo nhãn (ví dụ «biên giới») hoặc danh sách xã, cách nhau bởi dấu phẩy": "by tag (e.g. «biên giới») or a comma-separated list of communes",
    "Đã lưu chiến dịch «{name}» ({n} xã/phường).": "Saved campaign «{name}» ({n} communes).",
    "Đã lưu nhãn.": "Tags saved.",
    "＋ Tạo chiến dịch mới": "＋ New campaign",
    "Lần nhập": "Upload",
    "Lịch sử nhập số liệu": "Upload history",
    "Số giá trị": "Values",
    "Thu nhận → trả thẻ": "Collected → returned",
    "Thời điểm nhập": "Uploaded at",
    "Tệp": "File",
    "Từ ngày": "From",
    "hiệu lực": "active",
    "Đến ngày": "To",
    "đã hủy": "undone",
    "Chọn một đơn vị ở trang «Chi tiết đơn vị» để xem biểu đồ, tồn trả thẻ và lịch sử nhập.": "Open a unit on the «Unit detail» page for its charts, card backlog and upload history.",
    "Chưa có lần nhập nào.": "No uploads yet.",
    "Chọn tệp": "Choose files",
    "Ghi {n} tệp hợp lệ vào cơ sở dữ liệu": "Save {n} valid files to the database",
    "Các tệp được ghi lần lượt theo thứ tự trên; mỗi tệp được kiểm tra với số liệu đã có cùng các tệp hợp lệ phía trên nó.": "Files are saved one by one in the order above; each is checked against the stored figures together with the valid files above it.",
    "Hủy cả một lần nhập": "Undo a whole upload",
    "Hủy lần nhập": "Undo upload",
    "Lịch sử nhập": "Upload history",
    "Người nhập": "Uploaded by",
    "Nhận tệp CSV, Excel (xlsx, xls, kể cả bảng tính XML 2003), ODS, Word (docx, doc), PDF và trang web (HTML, kể cả tệp .xls xuất từ phần mềm) như các đơn vị gửi: báo cáo có quốc hiệu, tiêu đề gộp ô, dòng cộng huyện và tổng cộng, mỗi ngày một cột hoặc một trang tính, phông TCVN3/VNI, hoặc danh sách hồ sơ từng công dân (chỉ lưu số đếm theo xã và ngày, không lưu thông tin cá nhân).": "Accepts CSV, Excel (xlsx, xls, including Excel 2003 XML spreadsheets), ODS, Word (docx, doc), PDF and web-page files (HTML, including .xls exported by web systems) as units send them: reports with letterheads, merged headers, district subtotals and totals, a column or a sheet per day, TCVN3/VNI fonts, or per-application exports (only counts per commune and day are kept, never personal data).",
    "Số dòng": "Rows",
    "Tôi chắc chắn": "I am sure",
    "Dừng": "Stop",
    "Tất cả": "All",
    "Báo cáo giao ban": "Briefing",
    "Bản trình chiếu (PowerPoint)": "Slides (PowerPoint)",
    "Bản PDF": "PDF",
    "Bảng số liệu (Excel)": "Tables (Excel)",
    "Tải ảnh PNG": "Download PNG",
    "Tệp không ghi ngày số liệu. Số liệu tính đến ngày:": "The file gives no date. Figures as of:",
    "Dòng cộng/tổng cộng: {n} dòng đã đối chiếu với các xã, {k} dòng lệch.": "Subtotal/total rows: {n} checked against their communes, {k} off.",
    "Tất cả {n} lỗi và cảnh báo (còn {k} dòng chưa hiện ở trên)": "All {n} errors and warnings ({k} not shown above)",
    "Tải danh sách (CSV)": "Download the list (CSV)",
    "Nếu giữ tốc độ 7 ngày gần nhất: {d}.": "At the last 7 days' pace: {d}.",
    "Độ tin cậy của dự báo": "How good the forecast is",
    "Mô hình dự báo đo tốc độ theo từng tuần (nên số liệu báo cáo dồn hay báo cáo theo tuần vẫn cho đúng tốc độ) và tính đến việc tốc độ giảm dần khi phần lớn người dân đã đến làm. Nó được kiểm định trên ba chiến dịch bao phủ thật (tiêm chủng COVID-19 ở Ý, Đức và Ca-na-đa): mỗi chiến dịch được dự báo bằng tham số hiệu chỉnh trên hai chiến dịch còn lại, từ nhiều thời điểm, rồi so với ngày thực tế. Bảng ghi cả những chỗ cách tính «còn lại ÷ tốc độ 7 ngày» đúng hơn.": "The forecaster measures the pace over whole weeks (so figures sent in batches or weekly still give the right pace) and expects the pace to fall once most people have come. It was backtested on three real coverage campaigns (COVID-19 vaccination in Italy, Germany and Canada): each campaign was forecast with parameters fitted on the other two, from many origins, and compared with what happened. The table also shows where «remaining ÷ 7-day pace» did better.",
    "Tính ngày {d} bằng lệnh `cccd backtest --calibrate`. Mọi chiến dịch dùng cùng một bộ tham số, đúng bộ mà kiểm định đã hiệu chỉnh; chưa có chuỗi số liệu CCCD hằng ngày nào để kiểm định riêng.": "Computed on {d} with `cccd backtest --calibrate`. Every campaign uses the same parameters, exactly those the backtest fitted; no daily CCCD series has been available to test on yet.",
    "mô hình tốt hơn {p}": "model better by {p}",
    "thước tốt hơn {p}": "ruler better by {p}",
    "Chiến dịch kiểm định": "Backtest campaign",
    "Số lần dự báo (đơn vị)": "Forecasts (units)",
    "Sai số TB — còn lại ÷ tốc độ 7 ngày": "Mean error — remaining ÷ 7-day pace",
    "So sánh": "Comparison",
    "Khả năng kịp hạn dự báo": "Forecast P(on time)",
    "Dự báo trung bình": "Mean forecast",
    "Số lần": "Count",
    "không có tiến triển 28 ngày": "no progress in 28 days",
    "Thực tế kịp hạn": "Actually on time",
    "Ý (21 vùng, dân số 12+, hằng ngày)": "Italy (21 regions, population 12+, daily)",
    "Đức (16 bang, hằng ngày)": "Germany (16 Länder, daily)",
    "Ca-na-đa (13 tỉnh, báo cáo theo tuần)": "Canada (13 provinces, weekly reports)",
    "Gộp ba chiến dịch": "The three campaigns pooled",
    "Số liệu kiểm định": "Backtest data",
    "Mốc bao phủ": "Coverage threshold",
    "Số lần dự báo": "Forecasts",
    "Sai số TB — theo tốc độ 7 ngày": "Mean error — 7-day pace",
    "Sai số TB — mô hình": "Mean error — model",
    "Giảm sai số": "Error reduction",
    "Khoảng 80% chứa ngày thực tế": "80% range holds the actual date",
    "{n} ngày": "{n} days",
    "Ý (21 vùng, dân số 12+)": "Italy (21 regions, 12+ population)",
    "Đức (16 bang)": "Germany (16 Länder)",
    "Đang kiểm tra tệp…": "Checking the file…",
    "{p} (bảng trên: {before})": "{p} (table above: {before})",
    "{least} (bảng trên: {before})": "{least} (table above: {before})",
    "ít nhất {r}": "at least {r}",
    "mô hình không hơn thước": "the model does not beat the ruler",
    "Sai số TB — thước": "Mean error — ruler",
    "{campaign} · mốc {p}": "{campaign} · {p} target",
    "Tính cả {n} lần dự báo cho {u} đơn vị chưa đạt mốc: khoảng 80% chứa ngày thực tế {share}; sai số mô hình ÷ sai số thước {ratio}.": "Counting the {n} forecasts of {u} units that never reached the target: the 80% range holds the actual date {share} of the time; model error ÷ ruler error {ratio}.",
    "Bị loại vì đơn vị chưa đạt mốc (đơn vị)": "Left out: unit never reached the threshold (units)",
    "Khoảng 80%: chắc chắn trúng / chắc chắn trượt / chưa biết": "80% range: certainly held / certainly missed / unknown",
    "Khoảng 80% chứa ngày thực tế, tính cả": "80% range holds the actual date, all counted",
    "Sai số mô hình ÷ sai số thước, tính cả": "Model error ÷ ruler error, all counted",
    "{campaign}: {n} lần dự báo cho {u} đơn vị chưa bao giờ đạt mốc 70% không được tính theo quy ước kiểm định; tính cả chúng ở chỗ kết quả đã chắc chắn, khoảng 80% chứa ngày thực tế {share} (không phải {before}) và sai số của mô hình ít nhất bằng {ratio} sai số của thước (không phải {ratio_before}).": "{campaign}: {n} forecasts of {u} units that never reached 70% are not counted by the backtest's protocol; counting them where the outcome is certain, the 80% range holds the actual date {share} of the time (not {before}) and the model's error is at least {ratio} × the ruler's (not {ratio_before}).",
    "Bảng trên chỉ chấm các đơn vị đã đạt mốc (theo quy ước kiểm định). Các lần dự báo cho đơn vị chưa đạt mốc khi hết số liệu được tính dưới đây ở chỗ kết quả đã chắc chắn: khoảng 80% kết thúc trước ngày số liệu cuối là chắc chắn trượt; sai số ít nhất bằng khoảng cách từ ngày dự báo đến ngày số liệu cuối. Sai số mô hình ÷ sai số thước dưới 1: mô hình tốt hơn; từ 1 trở lên: mô hình không hơn thước. Bảng khả năng kịp hạn vẫn tính những lần này là trễ hạn.": "The table above scores only units that reached the threshold (the backtest's protocol). Forecasts of units that had not reached it when the data end are counted below where the outcome is certain: an 80% range that ended before the last day of data certainly missed; the error is at least the distance from the projected date to the last day of data. Model error ÷ ruler error below 1: the model did better; 1 or more: the model does not beat the ruler. The P(on time) table counts these forecasts as late.",
    "Sai số và khoảng 80% chỉ chấm các đơn vị đã đạt mốc (theo quy ước kiểm định). Dòng cuối của thẻ tính cả các lần dự báo cho đơn vị chưa đạt mốc khi hết số liệu, ở chỗ kết quả đã chắc chắn. Sai số mô hình ÷ sai số thước dưới 1: mô hình tốt hơn; từ 1 trở lên: mô hình không hơn thước.": "Errors and the 80% range score only units that reached the threshold (the backtest's protocol). A card's last line also counts the forecasts of units that had not reached it when the data end, where the outcome is certain. Model error ÷ ruler error below 1: the model did better; 1 or more: the model does not beat the ruler.",
    "Đã hủy lần nhập số {n}; số liệu trước đó được dùng lại.": "Upload {n} undone; the earlier figures apply again.",
}

# -- login, roles, audit log, database trouble ---------------------------------------
EN.update(
    {
        "Đăng nhập": "Sign in",
        "Đăng xuất": "Sign out",
        "Đã đăng xuất.": "Signed out.",
        "Tên đăng nhập": "User name",
        "Mật khẩu": "Password",
        "Theo dõi cấp CCCD": "CCCD issuance tracking",
        "Đăng nhập bằng tài khoản của đơn vị (SSO)": "Sign in with your unit account (SSO)",
        "Tài khoản do quản trị hệ thống cấp. Sau {n} lần nhập sai mật khẩu, tài khoản bị tạm khóa {m} phút.": "Accounts are issued by the system administrator. After {n} wrong passwords the account is locked for {m} minutes.",
        "Chưa cấu hình cách đăng nhập nào. Liên hệ quản trị hệ thống.": "No way to sign in is configured. Contact the system administrator.",
        "Cấu hình đăng nhập sai: {problem}": "Login settings are wrong: {problem}",
        "Chế độ trình diễn: không cần đăng nhập; mọi người dùng có quyền «{role}». Không dùng cho số liệu thật.": "Demo mode: no sign-in; everyone has the «{role}» role. Not for real data.",
        "Khách (chế độ trình diễn)": "Guest (demo mode)",
        "Không có quyền truy cập": "Access denied",
        "Vai trò của bạn không được dùng trang này. Nếu cần, hãy liên hệ quản trị hệ thống.": "Your role may not use this page. Contact the system administrator if you need it.",
        "Không có trang này": "No such page",
        "Địa chỉ «{name}» không trỏ tới trang nào của hệ thống.": "The address «{name}» points to no page of this system.",
        "Về trang Tổng quan": "Back to the overview",
        "Chọn xã": "Choose communes",
        "Chọn tỉnh, huyện hoặc xã": "Choose provinces, districts or communes",
        "Chọn hoặc gõ nhãn mới": "Choose or type a new tag",
        "Kết nối không đi qua máy chủ xác thực của đơn vị. Hãy mở bảng điều khiển bằng địa chỉ chính thức.": "This connection did not come through the unit's authentication server. Open the dashboard at its official address.",
        "Máy chủ xác thực không gửi danh tính người dùng. Liên hệ quản trị hệ thống.": "The authentication server sent no user identity. Contact the system administrator.",
        "Tài khoản «{name}» chưa được cấp quyền dùng hệ thống này. Liên hệ quản trị hệ thống.": "The account «{name}» has not been given access to this system. Contact the system administrator.",
        "Sai tên đăng nhập hoặc mật khẩu.": "Wrong user name or password.",
        "Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần; thử lại sau {until}.": "The account is locked after repeated wrong passwords; try again after {until}.",
        "Tài khoản đã bị vô hiệu hóa. Liên hệ quản trị hệ thống.": "The account has been disabled. Contact the system administrator.",
        "Phiên làm việc đã kết thúc vì không hoạt động quá {minutes} phút. Hãy đăng nhập lại.": "Your session ended after more than {minutes} minutes without activity. Please sign in again.",
        "Phiên làm việc đã quá {hours} giờ. Hãy đăng nhập lại.": "Your session is older than {hours} hours. Please sign in again.",
        "Lãnh đạo": "Leader",
        "Cán bộ tổng hợp": "Analyst",
        "Quản trị": "Administrator",
        "Thử lại": "Try again",
        "Không làm việc được với cơ sở dữ liệu ({why}). Số liệu không bị thay đổi; hãy thử lại sau ít phút. Nếu vẫn lỗi, báo quản trị hệ thống.": "The database cannot be used right now ({why}). No data was changed; try again in a few minutes. If it persists, tell the system administrator.",
        "cơ sở dữ liệu đang bị khóa bởi một thao tác khác": "it is locked by another operation",
        "máy chủ cơ sở dữ liệu trả lời quá chậm": "the database server is answering too slowly",
        "không kết nối được máy chủ cơ sở dữ liệu": "the database server cannot be reached",
        "ổ đĩa chứa cơ sở dữ liệu đã đầy": "the disk holding the database is full",
        # audit page
        "Nhật ký hệ thống": "Audit log",
        "Nhật ký": "Audit log",
        "Khoảng ngày": "Days",
        "Thao tác": "Action",
        "Người dùng": "User",
        "Thời điểm": "Time",
        "Chi tiết": "Details",
        "Mã thao tác": "Action code",
        "Tải CSV": "Download CSV",
        "Tải Excel": "Download Excel",
        "Mọi lần nhập, hủy nhập, sửa chiến dịch, đăng nhập (cả lần thất bại), khóa và thay đổi tài khoản, với người thực hiện và thời điểm (giờ Việt Nam).": "Every upload, undo, campaign edit, sign-in (failed ones too), lockout and account change, with who and when (Vietnam time).",
        "Không có mục nào khớp bộ lọc.": "No entries match the filters.",
        "Chỉ hiện {n} mục mới nhất; hãy thu hẹp bộ lọc.": "Only the newest {n} entries are shown; narrow the filters.",
        "Tài khoản": "Accounts",
        "Họ tên": "Full name",
        "Vai trò": "Role",
        "Đăng nhập gần nhất": "Last sign-in",
        "Quản lý bằng dòng lệnh: `cccd user add | passwd | disable | enable | role | list`.": "Managed from the command line: `cccd user add | passwd | disable | enable | role | list`.",
        "Chưa có tài khoản nào: bảng điều khiển đang chạy ở chế độ trình diễn hoặc đăng nhập SSO.": "No accounts yet: the dashboard runs in demo mode or with SSO sign-in.",
        "hoạt động": "active",
        "vô hiệu hóa": "disabled",
        "tạm khóa đến {time}": "locked until {time}",
        "Đăng nhập thất bại": "Failed sign-in",
        "Tạm khóa tài khoản": "Account locked",
        "Sửa chiến dịch": "Campaign edited",
        "Sửa nhãn đơn vị": "Unit tags edited",
        "Tạo tài khoản": "Account created",
        "Đổi mật khẩu": "Password changed",
        "Vô hiệu hóa tài khoản": "Account disabled",
        "Kích hoạt tài khoản": "Account enabled",
        "Đổi vai trò": "Role changed",
        "Ghi chú chất lượng số liệu": "Data-quality note",
        "lần nhập": "upload",
        "tệp": "file",
        "đơn vị": "unit",
        "dòng": "rows",
        "tên": "name",
        "thao tác": "action",
        "nhãn": "tags",
        "cách đăng nhập": "method",
        "lý do": "reason",
        "số lần sai liên tiếp": "failures in a row",
        "khóa đến": "locked until",
        "địa chỉ máy": "client address",
        "tài khoản": "account",
        "vai trò": "role",
        "trước đó": "previously",
        "chỉ đăng nhập SSO": "SSO only",
        "qua": "via",
        "thay đổi": "change",
        "dung lượng (byte)": "size (bytes)",
        "loại": "kind",
        "thay thế số liệu cũ": "replaced the old data",
        "dữ liệu mẫu": "sample data",
        "kiểm tra": "check",
        "dòng lệnh": "command line",
        "bảng điều khiển": "dashboard",
        "không có tài khoản này": "no such account",
        "sai mật khẩu": "wrong password",
        "tài khoản đang bị khóa": "account locked",
        "tài khoản đã bị vô hiệu hóa": "account disabled",
        "chưa được cấp quyền": "no role granted",
        "không hoạt động quá lâu": "idle too long",
        "phiên quá dài": "session too long",
        "người dùng tự đăng xuất": "signed out",
        "mật khẩu": "password",
        "SSO (OpenID Connect)": "SSO (OpenID Connect)",
        "máy chủ xác thực": "authentication proxy",
        "chế độ trình diễn": "demo mode",
        "lưu": "save",
        "xóa": "delete",
        "có": "yes",
        "không": "no",
        "Bộ lập kế hoạch dùng để so sánh phương án (sớm hơn bao nhiêu ngày, khả năng kịp hạn tăng bao nhiêu); ngày dự báo chính thức ở trang Tổng quan.": "The planner is for comparing scenarios (days saved, change in the chance of meeting the deadline); the official projection is on the Overview.",
        "Ca làm {h} giờ/ngày. Với {n} tổ, tốc độ 7 ngày gần nhất của {unit} tương ứng {r} hồ sơ mỗi tổ mỗi giờ.": "A {h}-hour working day. With {n} teams, {unit}'s last 7 days mean {r} applications per team-hour.",
        "Các xã cần tăng cường nhiều nhất": "Communes needing the most reinforcement",
        "Còn lại": "Remaining",
        "Giả định tăng cường": "What if we reinforce",
        "Giờ bắt đầu": "Shift starts",
        "Giờ kết thúc": "Shift ends",
        "Hồ sơ mỗi tổ mỗi giờ": "Applications per team-hour",
        "Mốc": "Milestone",
        "Năng lực hiện có": "Current capacity",
        "Số tổ lưu động thêm": "Extra mobile teams",
        "Số tổ đang làm": "Teams working",
        "Số xã": "Communes",
        "Số xã thiếu tổ": "Communes short of teams",
        "Trong bao nhiêu ngày": "For how many days",
        "Tính thử": "Try it",
        "Xã được tăng cường": "Communes reinforced",
        "Báo cáo theo ngày": "Reports by day",
        "Ghi chú xử lý": "Follow-up note",
        "Ghi chú đã lưu ({n})": "Saved notes ({n})",
        "Loại kiểm tra": "Check",
        "Lưu ghi chú": "Save note",
        "Mỗi dòng một xã/phường, mỗi cột một ngày: xanh = có báo cáo, đỏ = thiếu, trắng = ngày nghỉ theo lịch.": "One row per commune, one column per day: green = reported, red = missing, white = a day off in the calendar.",
        "Người ghi": "Author",
        "Phát hiện": "Finding",
        "Tỷ lệ báo cáo đầy đủ": "Reporting completeness",
        "Việc cần xử lý": "Work list",
        "Ví dụ: đã gọi xã, số liệu ngày này nhập trùng.": "E.g. called the commune; this day was entered twice.",
        "Đã lưu ghi chú.": "Note saved.",
        "Đã xử lý xong": "Resolved",
        "Hiện cả việc đã xử lý xong": "Show resolved items too",
        "Xử lý": "Handling",
        "đang xử lý": "open",
        "đã xử lý": "resolved",
        "Thiếu báo cáo": "Missing report",
        "Chưa báo cáo lần nào": "Never reported",
        "Lũy kế giảm": "Falling cumulative",
        "Tăng đột biến trong ngày": "Spike in one day",
        "Thu nhận vượt số công dân đủ điều kiện": "Collected above eligible",
        "Số thẻ đã trả vượt số hồ sơ đã thu nhận": "More cards returned than applications collected",
        "Dòng cộng không khớp tổng các xã": "Subtotal row does not match its communes",
        "Lưu ý": "Note",
        "Số giờ làm mỗi ngày": "Hours per day",
        "Năng lực thu nhận (hồ sơ/ngày làm việc)": "Capacity (applications per working day)",
        "Dự kiến đạt chỉ tiêu": "Expected to reach the target",
        "Số tổ cần để kịp hạn": "Teams needed for the deadline",
        "Số tổ cần bổ sung": "Extra teams needed",
        "Dự kiến theo năng lực, chưa tăng cường": "Expected by capacity, before the surge",
        "Dự kiến nếu tăng cường": "Expected with reinforcement",
        "Sớm hơn (ngày)": "Days saved",
        "Khả năng kịp hạn theo năng lực, chưa tăng cường": "Chance on time by capacity, before the surge",
        "Khả năng kịp hạn nếu tăng cường": "Chance on time with reinforcement",
    }
)

# Backups (settings page).
EN.update(
    {
        "Sao lưu": "Backup",
        "Tải bản sao lưu": "Download a backup",
        "Một bản sao đầy đủ của cơ sở dữ liệu (số liệu, lịch sử nhập, chiến dịch, tài khoản, nhật ký), "
        "đã kiểm tra, tạo ngay cả khi có người đang nhập số liệu. Khôi phục bằng lệnh: `cccd restore TỆP`. "
        "Giữ bản sao ở nơi an toàn: nó chứa mọi số liệu và tài khoản.": "A complete, checked copy of the "
        "database (figures, upload history, campaigns, accounts, audit log), made even while someone is "
        "importing. Restore it with: `cccd restore FILE`. Keep it somewhere safe: it holds every figure and account.",
    }
)

# -- projector, phone, map, upload, planner, links and freshness -------------------------------
EN.update(
    {
        "Tối đa {mb} MB mỗi tệp · {types}": "Up to {mb} MB per file · {types}",
        "Thả tệp vào đây": "Drop files here",
    }
)
EN.update(
    {
        "{n}/{total} xã đã báo cáo số liệu ngày {d}.": "{n}/{total} communes reported figures for {d}.",
        "Không xã nào chậm tiến độ hay có nguy cơ chậm.": "No commune is behind or at risk.",
        "Có {k}/{n} xã chậm tiến độ hoặc có nguy cơ chậm; bảng dưới là {m} xã đứng đầu theo cách sắp xếp đã chọn.": (
            "{k}/{n} communes are behind or at risk; the table below lists the first {m} in the order chosen."
        ),
        "Xem tất cả các xã ở trang Đơn vị": "See every commune on the Units page",
        "Ngày {last} mới có {n}/{total} xã báo cáo, nên số liệu đang xem là đến ngày {usual}, ngày gần "
        "nhất đa số xã đã báo cáo. Chọn ngày {last} ở «Số liệu tính đến» để xem số tạm của ngày đó.": (
            "Only {n}/{total} communes have reported for {last} so far, so the figures shown are up to "
            "{usual}, the latest day most communes reported. Choose {last} under «Data as of» to see "
            "that day's provisional figures."
        ),
        "Số tạm: ngày {last} mới có {n}/{total} xã báo cáo; tốc độ và dự báo tính theo số của các xã đó. "
        "Ngày {usual} là ngày gần nhất đa số xã đã báo cáo.": (
            "Provisional: only {n}/{total} communes have reported for {last}; the pace and the forecast "
            "follow those communes' figures. {usual} is the latest day most communes reported."
        ),
        "Xã chưa báo cáo được tính theo số liệu của ngày báo cáo gần nhất.": "Communes that have not reported count with the figures of their latest report.",
        "{n} xã chưa báo cáo từ {k} ngày trở lên": "{n} communes silent for {k} days or more",
        "Không có xã nào chưa báo cáo từ {k} ngày trở lên.": "No commune has been silent for {k} days or more.",
        "Sắp xếp theo": "Sort by",
        "Mức độ chậm": "How far behind",
        "Còn thiếu nhiều nhất": "Most still missing",
        "Tỷ lệ thấp nhất": "Lowest coverage",
        "Tốc độ so với cần thấp nhất": "Slowest against need",
        "Lâu chưa báo cáo nhất": "Longest silent",
        "Còn thiếu": "Still missing",
        "Tốc độ 7 ngày / cần": "7-day pace / needed",
        "Tốc độ / cần": "Pace / need",
        "Chưa báo cáo": "Silent",
        "Báo cáo": "Reporting",
        "{n} ngày chưa báo cáo": "silent {n} days",
        "Vì sao": "Why",
        "chưa báo cáo": "never reported",
        "đã báo cáo": "reported",
        "chưa có báo cáo nào": "no report yet",
        "Báo cáo gần nhất": "Last report",
        "Số ngày chưa báo cáo": "Days silent",
    }
)
EN.update(
    {
        "«{text}» không dùng được: cần một số từ {low} đến {high}, ví dụ {example}.": "«{text}» cannot be used: a number from {low} to {high} is needed, e.g. {example}.",
        "Số tổ được làm tròn lên vì không thể cử một phần của tổ (ví dụ: cần 2,3 tổ thì phải cử 3 tổ). Số tổ của cả mốc được làm tròn một lần trên tổng nhu cầu các xã, vì tổ lưu động đi vòng giữa các xã; vì vậy nó có thể nhỏ hơn tổng các số của từng xã.": "Teams are rounded up because part of a team cannot be sent (e.g. 2.3 teams needed means sending 3). A milestone's teams are rounded once on the communes' total need, since mobile teams rotate between communes; so it can be less than the sum of the communes' figures.",
        "Ngày dự báo hoàn thành là của mô hình dự báo, như ở trang Tổng quan; số tổ cần là số tổ để các xã này kịp hạn với năng suất đã nhập.": "Projected dates are the forecaster's, as on the Overview; teams needed are the teams these communes need to meet the deadline at the productivity entered.",
        "Bấm vào ô vuông đầu dòng để mở trang của đơn vị đó.": "Tick the box at the start of a row to open that unit's page.",
        "Bấm vào ô vuông đầu dòng để mở trang của đơn vị đó: biểu đồ, tồn trả thẻ và lịch sử nhập.": "Tick the box at the start of a row to open that unit's page: charts, card backlog and upload history.",
    }
)
EN.update(
    {
        "Tỷ lệ thu nhận": "Coverage",
        "Đến nội dung chính": "Skip to main content",
        "Mở trang đơn vị": "Open the unit's page",
        "Bấm vào tên một xã, phường trên bản đồ để xem các xã trước 1/7/2025 của nó.": "Click a commune's name on the map to see the communes it was made of before 1/7/2025.",
        "theo huyện": "by district",
        "theo xã, phường mới": "by new commune",
        "{what} {where} — số liệu đến {d}": "{what} {where} — data as of {d}",
        "Xem các xã của huyện (hoặc bấm vào tên huyện trên bản đồ)": "Show a district's communes (or click its name on the map)",
        "— chọn huyện —": "— choose a district —",
        "Các xã của {name}": "Communes of {name}",
        "{name}: các xã, phường mới (từ 1/7/2025) — số liệu đến {d}": "{name}: new communes (from 1/7/2025) — data as of {d}",
        "Ranh giới xã cũ (trước 1/7/2025) không có sẵn: bản đồ vẽ các xã, phường mới mà các xã của huyện được sắp xếp vào.": "Boundaries of the old communes (before 1/7/2025) are not available: the map shows the new communes the district's communes were merged into.",
    }
)

# -- Word and PDF reports ----------------------------------------------------------------------
EN.update({"Bảng đã đọc": "Table read", "trang": "page"})

# -- breakdowns: priority groups, channels, residence, application type, shift ---------------
EN.update(
    {
        "Nhóm & hình thức": "Groups & channels",
        "Nhóm ưu tiên và hình thức thu nhận": "Priority groups and channels",
        "Xem theo nhóm và hình thức thu nhận": "See by group and channel",
        "Nhóm đối tượng": "Priority group",
        "Hình thức thu nhận": "Channel",
        "Nơi cư trú": "Residence",
        "Loại cấp": "Application type",
        "Ca thu nhận": "Shift",
        "Tuần bắt đầu": "Week starting",
        "Chỉ tiêu nhóm": "Group target",
        "Chỉ tiêu theo nhóm": "Targets by group",
        "Tiến độ": "Progress",
        "Dự báo đạt": "Projected",
        "Mẫu số": "Denominator",
        "Còn thiếu": "Still missing",
        "tuần này (đến {d})": "this week (to {d})",
        "tuần này {n}/{target}": "this week {n}/{target}",
        "{n}/{target} tuần này · đạt {met} trên {weeks} tuần": "{n}/{target} this week · {met} of {weeks} weeks met",
        "{share} của chỉ tiêu, hạn {d}": "{share} of target, due {d}",
        "Nhóm ưu tiên: {parts}": "Priority groups: {parts}",
        "Hình thức thu nhận: {parts}": "Channels: {parts}",
        "Của ta ở ngoại tỉnh: đã thu nhận {n}/{needed}, **còn thiếu {missing}**": (
            "Our residents in other provinces: {n}/{needed} collected, **{missing} still missing**"
        ),
        "Các báo cáo của chiến dịch này chưa chia số liệu theo nhóm đối tượng, hình thức thu nhận, "
        "nơi cư trú, loại cấp hay ca thu nhận. Thêm cột «Nhóm đối tượng», «Hình thức thu nhận» … "
        "hoặc cột «Trong đó: …» vào báo cáo (xem hướng dẫn nhập số liệu).": (
            "This campaign's reports do not split their figures by priority group, channel, residence, "
            "application type or shift. Add a column «Nhóm đối tượng», «Hình thức thu nhận» … or columns "
            "«Trong đó: …» to the reports (see the import guide)."
        ),
        "Cần thu nhận (theo rà soát)": "To collect (per survey)",
        "Của ta ở ngoại tỉnh: đã thu nhận": "Our residents elsewhere: collected",
        "Kể cả {n} hồ sơ thu nhận tại nơi công dân cư trú ở tỉnh khác, tính cho xã thường trú. Người "
        "tỉnh khác thu nhận tại địa bàn được tính riêng.": (
            "Including {n} applications taken where the citizens live in other provinces, counted for "
            "their home commune. Residents of other provinces served here are counted apart."
        ),
        "Mỗi chỉ tiêu nhóm được tính như chỉ tiêu của một xã: bình quân 7 ngày, số cần mỗi ngày, dự báo "
        "và trạng thái; chỉ tiêu theo tỷ lệ dùng mẫu số (sĩ số, danh sách) có hiệu lực đến ngày số liệu.": (
            "Each group target is judged like a commune's: 7-day mean, required per day, forecast and "
            "status; a share target uses the denominator (school rolls, lists) in force on the data day."
        ),
        "Thu nhận mỗi tuần": "Collections per week",
        "Tỷ trọng đến nay": "Share so far",
        "Tỷ lệ so với mẫu số": "Coverage of the denominator",
        "Tỷ lệ theo thời gian và các lần thay đổi mẫu số": "Coverage over time and denominator changes",
        "Mỗi ngày được tính theo mẫu số có hiệu lực ngày đó: danh sách hay đợt rà soát mới "
        "thay mẫu số từ ngày của nó.": (
            "Each day is read against the denominator in force that day: a new list or survey "
            "replaces it from its own date."
        ),
        "danh sách, sĩ số": "list, school roll",
        "rà soát: số còn thiếu": "survey: still without a card",
        "Giá trị": "Value",
        "Thay đổi": "Change",
        "Số xã": "Communes",
        "Loại": "Kind",
        "Theo nhóm đối tượng và hình thức thu nhận": "By priority group and channel",
        "Đã thu nhận — {v}": "Collected — {v}",
        "Đơn vị chưa báo cáo số liệu của «{v}».": "The unit has not reported figures for «{v}».",
        "**{label}: {value}** — {n} đơn vị, đã thu nhận {total}": (
            "**{label}: {value}** — {n} units, {total} collected"
        ),
    }
)
