"""Nhập số liệu: drop files, read the import report, then commit; upload history with undo."""

import streamlit as st

from cccd_analytics import ingest, tables, ui
from cccd_analytics import text as fmt
from cccd_analytics import undo as undo_
from cccd_analytics.i18n import t
from cccd_analytics.ui import styles

ui.page_context()
store = ui.store()
user = ui.current_user()
st.title(t("Nhập số liệu"))
st.caption(
    t(
        "Nhận tệp CSV, Excel (xlsx, xls, kể cả bảng tính XML 2003), ODS, Word (docx, doc), PDF và trang web "
        "(HTML, kể cả tệp .xls xuất từ phần mềm) như các đơn vị gửi: báo cáo có quốc hiệu, tiêu đề gộp ô, dòng cộng huyện và "
        "tổng cộng, mỗi ngày một cột hoặc một trang tính, phông TCVN3/VNI, hoặc danh sách hồ sơ từng công "
        "dân (chỉ lưu số đếm theo xã và ngày, không lưu thông tin cá nhân)."
    )
)

# What the last commit did, shown once after the page starts afresh with an empty picker
# (the files just written are not left on screen as "ready to write").
for kind, text in st.session_state.pop("upload_results", []):
    getattr(st, kind)(text)

# Any file is taken: a type the product does not read is refused below, in Vietnamese,
# with what to do (file_types), instead of the widget's English "… files are not allowed".
styles.uploader_texts()
files = st.file_uploader(
    t("Chọn tệp"),
    accept_multiple_files=True,
    key=f"upload_files_{st.session_state.get('upload_round', 0)}",
)
mappings = st.session_state.setdefault("upload_mappings", {})
# Mappings chosen in this session by header shape: a refused file fixed and sent again,
# under any name, needs no second mapping (the store remembers one only when a file is
# written: a refused file changes nothing there).
shaped = st.session_state.setdefault("upload_mappings_by_shape", {})
dates = st.session_state.setdefault("upload_dates", {})


@st.cache_data(show_spinner=t("Đang kiểm tra tệp…"), max_entries=64)
def check(
    data: bytes, name: str, mapping_key: tuple, day, version: tuple, earlier_key: tuple, _earlier: tuple
) -> ingest.ImportReport:
    # Only aggregates are cached: a per-record export's personal columns are never read.
    # Each file is checked against the store as it will be when its turn comes: with the
    # ready files above it written (`_earlier`, identified for the cache by `earlier_key`).
    target = ingest.Pending(store, list(_earlier)) if _earlier else store
    return ingest.import_bytes(
        target, data, name, dry_run=True, mapping=dict(mapping_key) or None, report_date=day
    )


ready, checked = [], []
for index, upload in enumerate(files or []):
    data = upload.getvalue()
    mapping = mappings.get(upload.name, {})
    day = dates.get(upload.name)
    mapping_key = tuple(sorted(mapping.items()))
    report = check(
        data,
        upload.name,
        mapping_key,
        day,
        store.data_version(),
        tuple((r.sha256, key) for r, key in checked),
        tuple(r for r, _ in checked),
    )
    if report.status == "checked":
        checked.append((report, (upload.name, mapping_key, day)))
    with st.container(border=True):
        st.markdown(f"**{ui.md_escape(upload.name)}** — {fmt.number(len(data) / 1024, 0)} KB")
        ui.import_report(report)
        if report.needs_date:
            picked = st.date_input(
                t("Tệp không ghi ngày số liệu. Số liệu tính đến ngày:"),
                value=None,
                format="DD/MM/YYYY",
                key=f"date_{index}",
            )
            if picked:
                dates[upload.name] = picked
                st.rerun()
        if report.needs_mapping and report.errors:
            if upload.name not in mappings and report.signature in shaped:
                mappings[upload.name] = shaped[report.signature]
                st.rerun()
            chosen = ui.column_mapping_form(report, key=f"map_{index}")
            if chosen:
                mappings[upload.name] = chosen
                if report.signature:
                    shaped[report.signature] = chosen
                st.rerun()
    if report.status == "checked":
        ready.append((upload.name, data, mapping, day))

if ready:
    if len(files or []) > 1:
        st.caption(
            t(
                "Các tệp được ghi lần lượt theo thứ tự trên; mỗi tệp được kiểm tra với số liệu đã có "
                "cùng các tệp hợp lệ phía trên nó."
            )
        )
    label = t("Ghi {n} tệp hợp lệ vào cơ sở dữ liệu", n=len(ready))
    if st.button(label, type="primary", key="commit_uploads"):
        results = []
        for name, data, mapping, day in ready:
            result = ingest.import_bytes(
                store,
                data,
                name,
                uploaded_by=user,
                mapping=mapping or None,
                report_date=day,
                audit={"username": user},
            )
            if result.status == "imported":
                if mapping:
                    ingest.remember_mapping(store, result, mapping, user)
                results.append(("success", result.summary()))
            elif result.status == "duplicate":
                results.append(("info", result.summary()))
            else:
                results.append(("error", result.summary()))
        if any(kind == "success" for kind, _ in results):
            ui.refresh_shared()
        # Start afresh: an empty picker (a new key), the undo list on the newest import.
        st.session_state["upload_results"] = results
        st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1
        st.session_state.pop("undone_last", None)
        for key in ("upload_mappings", "upload_dates"):
            st.session_state.pop(key, None)
        st.rerun()

st.divider()
st.subheader(t("Lịch sử nhập"))
history = store.list_uploads()
if history.empty:
    st.caption(t("Chưa có lần nhập nào."))
else:
    # A file of many days (an export, a daily table) has no one report date: its span.
    shown = tables.upload_history(
        history, store.upload_spans(history.loc[history["report_date"].isna(), "id"])
    )
    st.dataframe(shown, hide_index=True, width="stretch", height=min(38 + 35 * len(shown), 400))
    active = history[history["status"] == "active"]
    if len(active):
        c1, c2 = st.columns([3, 1])
        labels = {int(r.id): f"#{r.id} · {r.file_name}" for r in active.itertuples()}
        # A new widget after each commit, so that it starts on the newest import; after an
        # undo it starts on none: on the newest it would offer an older, unrelated upload
        # to the next click of someone undoing one thing twice.
        target = c1.selectbox(
            t("Hủy cả một lần nhập"),
            list(labels),
            index=None if st.session_state.get("undone_last") else 0,
            placeholder=t("Chọn lần nhập cần hủy"),
            format_func=labels.get,
            key=f"undo_id_{st.session_state.get('upload_round', 0)}_{st.session_state.get('undo_round', 0)}",
        )
        confirm = c2.checkbox(t("Tôi chắc chắn"), key="undo_confirm")

        def undo(upload_id: int | None) -> None:
            if upload_id is not None and store.undo_upload(upload_id, who=user, audit={"username": user}):
                st.session_state["undo_done"] = upload_id
                # The running totals the undo leaves falling (a correction withdrawn), named.
                st.session_state["undo_falls"] = undo_.falls_after(store, upload_id)
                st.session_state["undone_last"] = True
                st.session_state["undo_round"] = st.session_state.get("undo_round", 0) + 1
                ui.refresh_shared()
            st.session_state["undo_confirm"] = False

        c2.button(
            t("Hủy lần nhập"),
            disabled=not confirm or target is None,
            key="undo_button",
            on_click=undo,
            args=(target,),
        )
if "undo_done" in st.session_state:
    st.success(
        t("Đã hủy lần nhập số {n}; số liệu trước đó được dùng lại.", n=st.session_state.pop("undo_done"))
    )
    falls = st.session_state.pop("undo_falls", [])
    if falls:
        st.warning("\n".join([falls[0], *(f"- {line.strip()}" for line in falls[1:])]))
