"""Widgets the pages share: an import report and its problems, the column-mapping form,
charts with a PNG download, the briefing downloads, the language picker, and the escaping
that keeps user data inert in markdown."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from cccd_analytics import i18n, rules
from cccd_analytics import text as fmt
from cccd_analytics.analytics import metrics
from cccd_analytics.i18n import t
from cccd_analytics.ingest.headers import FIELD_LABELS, MAPPABLE_FIELDS
from cccd_analytics.store import default_url
from cccd_analytics.ui import loaders

if TYPE_CHECKING:
    from cccd_analytics.ui.context import Context

STATUS_BADGE = {
    "done": "green",
    "on_track": "green",
    "at_risk": "orange",
    "behind": "red",
    "missed": "red",
    "no_data": "gray",
}
_MD_SPECIAL = "\\`*_{}[]<>()#+-.!|~$"


def md_escape(text) -> str:
    """User data (commune names, file names) made inert inside st.markdown."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text))


def language_picker() -> None:
    """Vietnamese first; the choice is kept for the session and in the URL (?lang=en)."""
    from cccd_analytics.ui import links

    links.bind("lang", "lang", options=list(i18n.LANGUAGES))
    if st.session_state.get("lang") not in i18n.LANGUAGES:
        st.session_state["lang"] = "vi"
    lang = st.sidebar.segmented_control(
        "Ngôn ngữ / Language",
        list(i18n.LANGUAGES),
        key="lang",
        format_func=lambda code: i18n.LANGUAGES[code],
        label_visibility="collapsed",
    )
    i18n.set_language(lang or "vi")


def import_report(report) -> None:
    """Show an ImportReport: what was found, then every problem with its place."""

    status = {
        "checked": (st.success, t("Hợp lệ, sẵn sàng ghi.")),
        "duplicate": (st.info, report.summary()),
        "imported": (st.success, report.summary()),
        "refused": (st.error, report.summary()),
    }
    show, text = status.get(report.status, (st.info, report.summary()))
    show(text)
    facts = []
    if report.layout:
        facts.append(f"{t('Bố cục')}: {report.layout}")
    if report.tables:
        # A Word/PDF document: which of its tables was read (and on which pages).
        facts.append(f"{t('Bảng đã đọc')}: {md_escape(report.table_read())}")
    elif report.sheet:
        facts.append(f"{t('Trang')}: «{md_escape(report.sheet)}»")
    if report.header_rows:
        facts.append(f"{t('Dòng tiêu đề')}: {', '.join(map(str, report.header_rows))}")
    if report.report_date and f"ngày số liệu {fmt.date_vn(report.report_date)}" not in (report.layout or ""):
        # (the layout line often says it already: "ngày số liệu 15/5/2023 theo dòng …")
        facts.append(f"{t('Ngày số liệu')}: {fmt.date_vn(report.report_date)}")
    if report.dates and len(report.dates) > 1:
        facts.append(f"{t('Các ngày')}: {fmt.date_vn(report.dates[0])} – {fmt.date_vn(report.dates[-1])}")
    if report.units_read:
        facts.append(f"{t('Đơn vị')}: {fmt.number(report.units_read)}")
    if report.encoding:
        facts.append(f"{t('Mã hóa')}: {fmt.encoding_label(report.encoding)}")
    if facts:
        st.markdown(" · ".join(facts))
    for repair in report.encoding_repairs:
        st.caption(f"{t('Sửa phông')}: {md_escape(repair)}")
    totals = report.totals
    if totals:
        checked = sum(1 for x in totals if x.get("checked"))
        wrong = sum(1 for x in totals if x.get("mismatches"))
        st.caption(
            t("Dòng cộng/tổng cộng: {n} dòng đã đối chiếu với các xã, {k} dòng lệch.", n=checked, k=wrong)
        )
    # A file refused whole for one reason (its type, its size) says it once, above.
    said = len(report.problems) == 1 and report.problems[0].code in ("file_type", "too_large", "unreadable")
    if report.problems and not said:
        table = problem_table(report.problems)
        # A static table wraps each message, so it is read whole (a data grid cuts it): the
        # first ones so, all of them in a grid below (and as a file), where a long message is
        # read by widening its column or in the file.
        _problems_in_full(table.head(PROBLEMS_IN_FULL))
        more = len(table) - PROBLEMS_IN_FULL
        if more > 0:
            with st.expander(
                t("Tất cả {n} lỗi và cảnh báo (còn {k} dòng chưa hiện ở trên)", n=len(table), k=more)
            ):
                narrow = {c: st.column_config.TextColumn(width="small") for c in table.columns[:-1]}
                st.dataframe(
                    table,
                    hide_index=True,
                    width="stretch",
                    height=300,
                    column_config={**narrow, table.columns[-1]: st.column_config.TextColumn(width=900)},
                )
                st.download_button(
                    t("Tải danh sách (CSV)"),
                    table.to_csv(index=False).encode("utf-8-sig"),
                    file_name=f"{report.file_name.rsplit('.', 1)[0]}-loi-canh-bao.csv",
                    mime="text/csv",
                    key=f"problems-{report.file_name}-{report.sha256 or ''}",
                )


def _problems_in_full(table: pd.DataFrame) -> None:
    """Problems as a static table, each message wrapped; an error's level in red, so that
    what refuses the file stands out of the warnings."""
    error = t(rules.SEVERITY_LABELS["error"])
    level = table.columns[0]
    st.table(
        table.style.map(
            lambda v: "color: #C62828; font-weight: 700" if v == error else "", subset=[level]
        ).hide(axis="index")
    )


PROBLEMS_IN_FULL = 25


def _where_in_file(problem) -> str:
    """The sheet of a workbook, or a document's table and PDF page ("Bảng 1, trang 3")."""
    if problem.table:
        return f"{problem.sheet}, {t('trang')} {problem.page}" if problem.page else problem.sheet or ""
    return problem.sheet or ""


def problem_table(problems) -> pd.DataFrame:
    """An import's problems as the upload page lists them: level, sheet, row, column and
    message; the sheet, row and column columns only when some problem has one (a CSV has
    no sheets, a file-wide warning no cell), so the message gets the width."""

    frame = pd.DataFrame(
        {
            t("Mức"): [t(rules.SEVERITY_LABELS.get(p.severity, "Cảnh báo")) for p in problems],
            t("Trang"): [_where_in_file(p) for p in problems],
            t("Dòng"): [str(p.row) if p.row else "" for p in problems],
            t("Cột"): [p.column or "" for p in problems],
            t("Nội dung"): [p.message for p in problems],
        }
    )
    empty = [c for c in (t("Trang"), t("Dòng"), t("Cột")) if not frame[c].astype(bool).any()]
    return frame.drop(columns=empty)


def column_mapping_form(report, key: str) -> dict | None:
    """Let the analyst say which column holds which field; returns {field: column index}."""

    columns = report.columns
    if not columns:
        return None
    st.warning(
        t("Không nhận ra bố cục tệp này. Hãy chọn cột tương ứng; lựa chọn được ghi nhớ cho các tệp cùng mẫu.")
    )
    options = [None] + [c["index"] for c in columns]
    labels = {c["index"]: f"{c['letter']} — {c['header'] or '(trống)'}" for c in columns}
    guessed = {c["field"]: c["index"] for c in columns if c.get("field")}
    chosen = {}
    with st.form(key):
        cols = st.columns(3)
        for i, field in enumerate(MAPPABLE_FIELDS):
            default = options.index(guessed[field]) if field in guessed else 0
            pick = cols[i % 3].selectbox(
                FIELD_LABELS[field],
                options,
                index=default,
                format_func=lambda v: "—" if v is None else labels[v],
                key=f"{key}_{field}",
            )
            if pick is not None:
                chosen[field] = pick
        if st.form_submit_button(t("Dùng cách ghép cột này")):
            return chosen
    return None


def progress_charts(snap: metrics.Snapshot) -> None:
    """Cumulative vs target beside collections per day (built once per process and data
    version: loaders.figure)."""
    key = loaders.view_key(snap)
    left, right = st.columns([3, 2])
    with left:
        st.subheader(i18n.t("Lũy kế so với chỉ tiêu"))
        chart(loaders.figure("cumulative", key, _snap=snap), "luy_ke_so_voi_chi_tieu")
    with right:
        st.subheader(i18n.t("Thu nhận mỗi ngày"))
        chart(loaders.figure("daily", key, _snap=snap), "thu_nhan_moi_ngay")


BRIEFING_TYPES = {
    "pptx": (
        "Bản trình chiếu (PowerPoint)",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "pdf": ("Bản PDF", "application/pdf"),
    "xlsx": ("Bảng số liệu (Excel)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def briefing_downloads(context: Context) -> None:
    """One-click briefing files; each is built only when its button is clicked."""

    url, version = default_url(), loaders.data_version()
    stamp = fmt.date_vn(context.as_of).replace("/", "-")
    # The campaign in the name too: two campaigns' briefings of one day, downloaded into the
    # same folder, must not overwrite each other (ASCII: any mail or USB stick takes it).
    campaign = "_".join(re.findall(r"[a-z0-9]+", fmt.fold(context.campaign.name)))[:60].rstrip("_")
    cols = st.columns(len(BRIEFING_TYPES))
    for col, (kind, (label, mime)) in zip(cols, BRIEFING_TYPES.items()):
        col.download_button(
            i18n.t(label),
            lambda kind=kind: loaders.briefing_file(url, version, context.campaign.name, context.as_of, kind),
            file_name=f"giao_ban_{campaign}_{stamp}.{kind}",
            mime=mime,
            key=f"briefing_{kind}",
            icon=":material/download:",
            width="stretch",
        )


def chart(fig, name: str) -> None:
    """A plotly chart with a PNG download (kaleido on the system Chromium) under it."""
    from cccd_analytics import charts

    st.plotly_chart(fig, width="stretch", config=charts.PLOTLY_CONFIG)
    png_download(fig, name)


def png_download(fig, name: str) -> None:
    """The PNG download of a chart shown some other way (a map that answers clicks)."""

    def png() -> bytes:
        from cccd_analytics import images

        return images.figure_png(fig, 1600, 900)

    st.download_button(
        i18n.t("Tải ảnh PNG"),
        png,
        file_name=f"{name}.png",
        mime="image/png",
        key=f"png_{name}",
        icon=":material/image:",
        type="tertiary",
    )


def decimal_input(
    label: str, value: float, key: str, *, min_value: float, max_value: float, digits: int = 1
) -> float:
    """A number typed the Vietnamese way ("7,8"; "7.8" is read too), shown with a decimal
    comma: st.number_input always shows an English decimal point ("7.80").  Out of range
    or unreadable, it says so in the interface language and keeps `value`."""
    from cccd_analytics.ingest.normalise import parse_decimal

    st.session_state.setdefault(key, fmt.number(value, digits))
    text = st.text_input(label, key=key)
    parsed = parse_decimal(text)
    number = parsed.value
    if parsed.error or number is None or not (min_value <= number <= max_value):
        st.caption(
            t(
                "«{text}» không dùng được: cần một số từ {low} đến {high}, ví dụ {example}.",
                text=text,
                low=fmt.number(min_value, digits),
                high=fmt.number(max_value, digits),
                example=fmt.number(value, digits),
            )
        )
        return float(value)
    return float(number)


def fitted(
    table, *, selectable: bool = False, column_config: dict | None = None, most: int | None = None
) -> dict:
    """`st.dataframe` arguments that lay `table` out to fit a 1280-px desktop
    (`tables.fit_columns`): each column's width, long texts wrapped in taller rows, and the
    height that shows every row (up to `most` px).  `column_config` is kept, a width set
    there included."""
    from cccd_analytics import tables

    fit = tables.fit_columns(table, selectable=selectable)
    config = dict(column_config or {})
    for column, px in fit.widths.items():
        config.setdefault(column, st.column_config.Column(width=px))
    frame = getattr(table, "data", table)
    out = {"column_config": config, "height": fit.height(len(frame), most)}
    if fit.row_height:
        out["row_height"] = fit.row_height
    return out
