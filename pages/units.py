"""Đơn vị: the league table of every commune or district, with filters."""

import streamlit as st

from cccd_analytics import dimensions, tables, ui
from cccd_analytics import text as fmt
from cccd_analytics.analytics import metrics
from cccd_analytics.i18n import t
from cccd_analytics.ui import links

snap = ui.campaign_snapshot(t("Đơn vị"))
context = ui.page_context()
# The filters by priority group and channel, when the campaign's reports give them.
PART_FILTERS = {"group": "nhom", "channel": "hinh_thuc"}
split = [d for d in PART_FILTERS if d in context.part_dimensions()]


def filters():
    """The level, district, tag and status filters, bound to the URL: the level, its rows,
    the rows kept and the choices (for the shared table's cache key)."""
    levels = {"commune": t("Xã/phường"), "district": t("Huyện/thị xã")}
    available = [lv for lv in levels if (snap.units["level"] == lv).any()]
    c1, c2, c3, c4 = st.columns([1, 2, 2, 2])
    links.bind("cap", "units_level", options=available)
    level = c1.radio(t("Cấp"), available, format_func=levels.get, key="units_level")
    rows = snap.units[snap.units["level"] == level]
    districts, all_tags, statuses = ui.loaders.unit_filter_choices(
        ui.loaders.view_key(snap), level, _snap=snap
    )
    links.bind("huyen", "units_districts", "list", options=districts)
    chosen_districts = c2.multiselect(
        t("Huyện"),
        districts,
        key="units_districts",
        disabled=not districts,
        placeholder=t("Tất cả"),
        select_all=False,
    )
    links.bind("nhan", "units_tags", "list", options=all_tags)
    chosen_tags = c3.multiselect(
        t("Nhãn"), all_tags, key="units_tags", placeholder=t("Tất cả"), select_all=False
    )
    links.bind("trang_thai", "units_status", "list", options=statuses)
    chosen_status = c4.multiselect(
        t("Trạng thái"),
        statuses,
        key="units_status",
        format_func=lambda s: t(metrics.STATUS_LABELS[s]),
        placeholder=t("Tất cả"),
        select_all=False,
    )
    filtered = tables.filter_units(rows, districts=chosen_districts, tags=chosen_tags, statuses=chosen_status)
    return level, filtered, (tuple(chosen_districts), tuple(chosen_tags), tuple(chosen_status))


def part_filters() -> dict:
    """{dimension: (breakdown, value)} for the group and channel chosen, bound to the URL."""
    chosen = {}
    if split:
        for col, dimension in zip(st.columns(len(split) + 2)[: len(split)], split):
            found = context.breakdown(dimension)
            links.bind(PART_FILTERS[dimension], f"units_{dimension}", options=found.values)
            value = col.selectbox(
                t(dimensions.LABELS[dimension]),
                found.values,
                index=None,
                key=f"units_{dimension}",
                placeholder=t("Tất cả"),
            )
            if value:
                chosen[dimension] = (found, value)
    return chosen


def part_tables(level: str, filtered, chosen_parts: dict) -> None:
    """The figures of the chosen group or channel for each unit, in place of the totals."""
    keys = set(filtered["key"])
    for dimension, (found, value) in chosen_parts.items():
        part_rows = found.rows[
            (found.rows["level"] == level) & (found.rows["value"] == value) & found.rows["key"].isin(keys)
        ]
        st.markdown(
            t(
                "**{label}: {value}** — {n} đơn vị, đã thu nhận {total}",
                label=t(dimensions.LABELS[dimension]),
                value=ui.md_escape(value),
                n=fmt.number(len(part_rows)),
                total=fmt.number(part_rows["collected"].sum()),
            )
        )
        with st.container(key=f"units_parts_{dimension}"):
            st.dataframe(
                tables.parts_table(part_rows, dimensions.LABELS[dimension], level),
                hide_index=True,
                width="stretch",
                height=min(38 + 35 * max(len(part_rows), 1), 720),
            )


def unit_table(level: str, filtered, choices: tuple) -> None:
    # (Sorted, formatted and counted once per data version and filters, for every viewer: ui.loaders.)
    table, keys, counts = ui.loaders.unit_listing(ui.loaders.view_key(snap), level, *choices, _snap=snap)
    st.markdown(
        " · ".join(
            f"{t(metrics.STATUS_LABELS[s])}: **{fmt.number(counts.get(s, 0))}**"
            for s in metrics.STATUS_ORDER
            if counts.get(s, 0)
        )
    )
    # The unit's name stays in view when the table is scrolled sideways on a narrow screen.
    links.table_opening_units(
        table,
        keys,
        key="units_table",
        **ui.fitted(
            table,
            selectable=True,
            column_config={t("Đơn vị"): st.column_config.TextColumn(pinned=True)},
            most=720,
        ),
    )
    st.caption(t("Bấm vào ô vuông đầu dòng để mở trang của đơn vị đó: biểu đồ, tồn trả thẻ và lịch sử nhập."))


@st.fragment
def league() -> None:
    """Filters rerun only the table, not the page."""
    level, filtered, choices = filters()
    chosen_parts = part_filters()
    if chosen_parts:
        part_tables(level, filtered, chosen_parts)
    else:
        unit_table(level, filtered, choices)
    links.write()  # a filter changed inside this fragment: the URL follows


league()
