"""Tables and figures rendered once and handed to every session as they are.

Under many viewers a replica's page runs share one Python process, so what each run
renders again for the same figures is time every other viewer waits.  A styled table
(`st.dataframe` of a pandas Styler) was the worst: Streamlit has the Styler compute and
translate every cell into HTML attributes on every run, 50 ms for a 460-commune table.
`styled_once` does it once, for objects kept in a shared cache (`ui.loaders`)."""

from __future__ import annotations

import re
from enum import Enum

_CELL = re.compile(r"row(\d+)_col(\d+)")


def styled_once(styler):
    """`styler`, computed and translated now, for `st.dataframe` only.

    `st.dataframe` calls the Styler's `_compute()` and `_translate(False, False)` each run
    (streamlit.elements.lib.pandas_styler_utils) and takes from the translation the cells'
    CSS and, for each body cell, its display text.  Both are kept here; a body cell whose
    display text is its own text (all of them in the project's tables, which are formatted
    text already) is left out, because Streamlit starts from the frame as text and only
    writes the cells that differ.  What Streamlit sends is unchanged
    (tests/test_frozen.py compares the two messages).  Read only once made: the object is
    shared by every session, concurrently.  A plain frame (no Styler) is returned as it is."""
    from pandas.io.formats.style import Styler

    if not isinstance(styler, Styler):
        return styler
    styler._compute()
    translated = styler._translate(False, False)
    text = styler.data.astype(str)
    body = []
    for row in translated.get("body", []):
        kept = []
        for cell in row:
            found = _CELL.match(cell.get("id") or "")
            if found is None:
                continue
            r, c = map(int, found.groups())
            value = cell.get("display_value")
            shown = str(value.value) if isinstance(value, Enum) else str(value)  # as Streamlit does
            if shown != text.iat[r, c]:
                kept.append(cell)
        if kept:
            body.append(kept)
    frozen = {**translated, "body": body}

    def translate(sparse_index, sparse_columns, *args, **kwargs):
        if (sparse_index, sparse_columns, args, kwargs) != (False, False, (), {}):
            raise RuntimeError("a Styler made by styled_once is only for st.dataframe")
        return frozen

    styler._compute = lambda: styler
    styler._translate = translate
    return styler


def figure_once(fig):
    """`fig` with its plain-dict form made once: `st.plotly_chart` asks every run for
    `fig.to_dict()`, a deep copy of every trace (a map's shapes: most of the map page's
    run), before writing it as JSON.  The dict handed out is the same each time, and read
    only (plotly's JSON writer takes out trace uids, which these figures do not have).
    For figures kept in a shared cache, never changed once made."""
    from plotly.basedatatypes import BaseFigure

    if not isinstance(fig, BaseFigure):
        return fig
    as_dict = fig.to_dict()
    for trace in as_dict.get("data", []):
        trace.pop("uid", None)
    object.__setattr__(fig, "to_dict", lambda: as_dict)
    return fig
