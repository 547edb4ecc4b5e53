"""Every filter in the URL, and tables whose rows open a unit's page.

A filter widget is *bound* to a URL parameter (`bind`, called just before the widget is
drawn); at the end of the run `write` puts every bound value in the URL at once.  So a
copied link opens on the same campaign, day, level, district, status, tag, unit and
language, and each change is one step of the browser's history: Streamlit pushes a
history entry when a run changes the query string, and on Back it reruns the page with
the older query string, which `bind` then adopts.

Rules that make that work:

* A parameter present in the URL and different from what this session last wrote came
  from outside (a link, Back, Forward): its value wins over the widget's.
* An absent parameter changes nothing: Streamlit drops the query string when another
  page is opened, and the filters are kept in the session across pages.  For Back to
  restore "no district chosen", an empty filter is written as an empty value (`huyen=`).
* Values are codes, not labels (unit keys, status codes, ISO dates), so a link means the
  same in either language.

Widget callbacks and Streamlit's own `bind="query-params"` were not used: the latter
replaces the history entry instead of adding one, so Back would leave the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import streamlit as st

_BOUND = "_links_bound"  # url name → (session key, kind), for this run's page
_WRITTEN = "_links_written"  # the query string this session last wrote, as a dict


# -- values ↔ URL text (pure) ---------------------------------------------------------


def encode(value, kind: str) -> list[str]:
    """A widget value as URL values: one item, or one per item of a list ([""] for none)."""
    if kind == "list":
        items = [str(v) for v in (value or ())]
        return items or [""]
    if value is None:
        return [""]
    if kind == "date":
        return [value.isoformat()]
    return [str(value)]


def decode(raw: Sequence[str], kind: str, options: Sequence | None = None):
    """URL values as a widget value, or `...` (Ellipsis) when they make no valid value."""
    values = [v for v in raw if v != ""]
    if kind == "list":
        if options is not None:
            wanted = {str(o): o for o in options}
            if any(v not in wanted for v in values):
                return ...
            return [wanted[v] for v in values]
        return values
    if not values:
        return None if kind != "date" else ...
    text = values[0]
    if kind == "date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            return ...
    if options is not None:
        wanted = {str(o): o for o in options}
        return wanted.get(text, ...)
    return text


def came_from_outside(current: Sequence[str] | None, written: Sequence[str] | None) -> bool:
    """True when the URL holds a value this session did not write (a link, Back, Forward)."""
    return current is not None and list(current) != list(written or [])


# -- Streamlit glue ---------------------------------------------------------------------


def start() -> None:
    """Call once at the top of every full run (the router): forget the last page's bindings."""
    st.session_state[_BOUND] = {}


def bind(name: str, key: str, kind: str = "str", options: Sequence | None = None) -> None:
    """Tie the widget with session key `key` to the URL parameter `name`.

    Call just before drawing the widget.  `kind`: "str", "list" (multiselect) or "date";
    `options`: the values the widget accepts (URL values outside them are ignored).
    """
    st.session_state.setdefault(_BOUND, {})[name] = (key, kind)
    current = st.query_params.get_all(name) if name in st.query_params else None
    written = st.session_state.get(_WRITTEN, {}).get(name)
    if not came_from_outside(current, written):
        return
    value = decode(current, kind, options)
    if value is ... and any(v != "" for v in current):
        # A link naming what is not here (a commune of another campaign, a misspelt district):
        # the page falls back to its usual choice, and says so — a leader opening a shared
        # link for Xã Kỳ Xuân read Xã Bắc Lý's figures with nothing telling them.
        st.warning(refused_note(name, [v for v in current if v != ""]))
        return
    if st.session_state.get(key) != value:
        st.session_state[key] = value


#: What each URL parameter chooses, for the note on a link this page cannot follow.
PARAM_WHAT = {
    "chien_dich": "chiến dịch",
    "ngay": "ngày số liệu",
    "don_vi": "đơn vị (mã)",
    "huyen": "huyện",
    "trang_thai": "trạng thái",
    "nhan": "nhãn",
    "cap": "cấp",
    "lop": "lớp bản đồ",
    "to_mau": "cách tô màu",
    "sap_xep": "cách sắp xếp",
    "lang": "ngôn ngữ",
}


def refused_note(name: str, values: Sequence[str]) -> str:
    """The note on a link parameter whose value this page does not have."""
    from cccd_analytics.i18n import t

    what = t(PARAM_WHAT[name]) if name in PARAM_WHAT else f"«{name}»"
    return t(
        "Liên kết chọn {what} {value}, không có trong số liệu đang xem; trang đang hiện lựa chọn "
        "thường dùng thay vào đó. Hãy kiểm tra lại liên kết hoặc chọn lại trên trang.",
        what=what,
        value=", ".join(f"«{v}»" for v in values[:3]) + ("…" if len(values) > 3 else ""),
    )


def write() -> None:
    """Put every bound value in the URL in one change (one history entry)."""
    bound = st.session_state.get(_BOUND, {})
    if not bound:
        return
    current = {name: st.query_params.get_all(name) for name in st.query_params}
    ours = {
        name: encode(st.session_state[key], kind)
        for name, (key, kind) in bound.items()
        if key in st.session_state
    }
    # Only what this run wrote counts as written: a parameter passed through untouched (a
    # unit in a link opened on another page first, `embed`) still comes "from outside"
    # when the page that binds it runs.
    st.session_state[_WRITTEN] = {**st.session_state.get(_WRITTEN, {}), **ours}
    wanted = {**current, **ours}
    if current != wanted:
        st.query_params.from_dict({k: v if len(v) > 1 else v[0] for k, v in wanted.items()})


UNIT_PAGE = "pages/unit.py"
UNIT_PARAM = "don_vi"
UNIT_KEY = "unit_key"  # the unit page's selectbox


def table_opening_units(data, keys: Sequence[str], key: str, **dataframe_args) -> None:
    """A table whose rows open the unit's page (keys[i]: the unit of row i) when clicked.

    The selection lives in a widget whose key changes after each opening, so coming back
    to the page shows the table unselected rather than opening the unit again.
    """
    round_key = f"_open_round_{key}"
    widget = f"{key}_{st.session_state.get(round_key, 0)}"
    event = st.dataframe(
        data,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=widget,
        **dataframe_args,
    )
    rows = event.selection.rows if event is not None else []
    if rows and rows[0] < len(keys):
        open_unit(keys[rows[0]], round_key)


def open_unit(unit: str, round_key: str | None = None) -> None:
    if round_key:
        st.session_state[round_key] = st.session_state.get(round_key, 0) + 1
    st.session_state[UNIT_KEY] = unit
    params = {UNIT_PARAM: unit}
    for name in ("chien_dich", "ngay", "lang"):
        if name in st.query_params:
            params[name] = st.query_params[name]
    st.switch_page(UNIT_PAGE, query_params=params)
