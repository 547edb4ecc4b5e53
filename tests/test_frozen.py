"""What every viewer is handed ready-made (cccd_analytics.ui.frozen, ui.loaders): the same
messages Streamlit would send for a fresh Styler or figure, and the data version asked
once per page run without hiding an upload from the next run."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import pytest
from streamlit.elements.lib.pandas_styler_utils import marshall_styler
from streamlit.proto.ArrowData_pb2 import ArrowData
from streamlit.testing.v1 import AppTest

from cccd_analytics import tables
from cccd_analytics.store import Store
from cccd_analytics.ui.frozen import figure_once, styled_once
from tests.conftest import ROOT


def marshalled(styler) -> tuple[str, pa.Table]:
    """The CSS (its table id made neutral) and display values Streamlit sends for `styler`."""
    proto = ArrowData()
    marshall_styler(proto, styler, "fixed")
    styles = proto.styler.styles.replace(str(proto.styler.uuid), "UUID")
    return styles, pa.ipc.open_stream(proto.styler.display_values).read_all()


def status_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Đơn vị": ["Xã Kỳ Đồng", "Xã Kỳ Phú", "Phường Sông Trí"],
            "Trạng thái": ["Chậm tiến độ", "Đúng tiến độ", "Chưa có số liệu"],
            "Tỷ lệ": ["95,3%", "87,0%", "–"],
        }
    )


def test_a_styled_table_made_once_sends_what_a_fresh_styler_sends():
    frozen = styled_once(tables.style_status(status_table()))
    fresh = tables.style_status(status_table())
    fresh.set_uuid(frozen.uuid)
    styles, shown = marshalled(frozen)
    assert (styles, shown.to_pylist()) == (lambda s, d: (s, d.to_pylist()))(*marshalled(fresh))
    assert "background-color: #FFCDD2" in styles  # the status is coloured
    assert marshalled(frozen)[1].to_pylist() == shown.to_pylist()  # and again on the next run


def test_cells_shown_otherwise_than_their_value_keep_their_display_text():
    frame = pd.DataFrame({"Tên": ["a", "b"], "Số": [1234.5, 7.25]})
    frozen = styled_once(frame.style.format({"Số": "{:.1f}"}).map(lambda v: "color: red", subset=["Tên"]))
    fresh = frame.style.format({"Số": "{:.1f}"}).map(lambda v: "color: red", subset=["Tên"])
    fresh.set_uuid(frozen.uuid)
    styles, shown = marshalled(frozen)
    assert shown.column("Số").to_pylist() == ["1234.5", "7.2"]
    assert (styles, shown.to_pylist()) == (lambda s, d: (s, d.to_pylist()))(*marshalled(fresh))


def test_a_frozen_styler_refuses_other_renderings_and_a_frame_passes_through():
    frozen = styled_once(status_table().style)
    with pytest.raises(RuntimeError):
        frozen._translate(True, True)
    frame = status_table()
    assert styled_once(frame) is frame


def test_a_figure_made_once_is_written_as_a_fresh_one():
    import plotly.io as pio

    def make():
        return go.Figure(go.Bar(x=[1, 2], y=["Đã thu nhận", "Đã trả thẻ"], orientation="h"))

    frozen = figure_once(make())
    assert pio.to_json(frozen.to_dict(), validate=False) == pio.to_json(make().to_dict(), validate=False)
    assert frozen.to_dict() is frozen.to_dict()  # no deep copy per run


def test_the_data_version_is_asked_once_per_page_run_and_again_at_the_next(sample_url, monkeypatch):
    monkeypatch.setenv("CCCD_DB_URL", sample_url)
    asked = []
    original = Store.data_version

    def counted(self):
        asked.append(1)
        return original(self)

    monkeypatch.setattr(Store, "data_version", counted)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    assert not at.exception
    for page in ("overview", "units", "unit", "map"):
        asked.clear()
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, at.exception
        assert len(asked) == 1, (page, len(asked))
    asked.clear()
    at.run()
    assert len(asked) == 1
