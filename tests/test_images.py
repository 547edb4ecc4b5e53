"""PNG export of plotly figures through kaleido and the system Chromium, kept warm."""

import io
import time

import plotly.graph_objects as go
import pytest
from PIL import Image

from cccd_analytics import images

needs_chromium = pytest.mark.skipif(not images.available(), reason="no Chromium for kaleido here")


def figure() -> go.Figure:
    fig = go.Figure(go.Bar(x=["Xã Kỳ Đồng", "Phường Bến Thủy"], y=[3_456, 5_678], name="Đã thu nhận"))
    fig.update_layout(title="Thu nhận theo xã", height=300)  # the export size must win over this
    return fig


def test_the_page_kaleido_renders_loads_nothing_from_the_network():
    page = images.page_generator().generate_index()
    assert "http://" not in page and "https://" not in page
    assert "plotly.min.js" in page and "mathjax" not in page.lower()


@needs_chromium
def test_figure_png_is_a_png_of_the_requested_size_and_the_browser_stays_warm():
    started = time.perf_counter()
    first = images.figure_png(figure(), width=640, height=360, scale=2)
    cold = time.perf_counter() - started
    assert images.is_warm()
    started = time.perf_counter()
    second = images.figure_png(figure(), width=400, height=300, scale=1)
    warm = time.perf_counter() - started
    print(f"\nPNG via kaleido: first {cold:.2f} s, warm {warm:.2f} s")
    with Image.open(io.BytesIO(first)) as im:
        assert im.format == "PNG" and im.size == (1280, 720)
    with Image.open(io.BytesIO(second)) as im:
        assert im.size == (400, 300)
    assert images.is_warm()


@needs_chromium
def test_a_figure_asking_for_a_remote_image_still_renders_offline():
    fig = figure()
    fig.add_layout_image(
        source="https://example.invalid/logo.png", x=0, y=1, sizex=0.2, sizey=0.2, xref="paper", yref="paper"
    )
    png = images.figure_png(fig, width=400, height=300)
    assert png.startswith(b"\x89PNG")


def test_without_a_browser_the_error_is_vietnamese(monkeypatch, tmp_path):
    monkeypatch.setenv(images.BROWSER_ENV, str(tmp_path / "no-such-chromium"))
    assert not images.available()
    with pytest.raises(images.ImageExportError, match="Không xuất được ảnh PNG"):
        images.figure_png(figure())
