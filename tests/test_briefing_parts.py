"""The briefing's part on priority groups and channels: the deck's slide "Nhóm ưu tiên và hình
thức thu nhận" with native charts when the data has breakdowns, no such (or empty) slide
when it has none, the same in the PDF, and the breakdowns in the workbook."""

from __future__ import annotations

import shutil

import openpyxl
import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pypdf import PdfReader

from cccd_analytics import briefing, cli, ingest
from cccd_analytics.analytics import breakdowns
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.sample import SAMPLE_DIR
from cccd_analytics.store import Store

NGHE_AN = "Cao điểm 70 ngày, đêm — Nghệ An 2023"
TITLE = "Nhóm ưu tiên và hình thức thu nhận"


@pytest.fixture(scope="module")
def store(sample_db, tmp_path_factory):
    copy = tmp_path_factory.mktemp("briefing_parts") / "sample.sqlite"
    shutil.copy(sample_db, copy)
    return Store.open(f"sqlite:///{copy}")


def brief(store, with_parts: bool = True):
    campaign = next(c for c in camp.stored(store) if c.name == NGHE_AN)
    extra = dict(parts=store.current_parts(), denominators=store.denominator_rows()) if with_parts else {}
    return briefing.from_frames(
        store.current_observations(), store.units(), campaign, uploads=store.list_uploads(), **extra
    )


def slide_text(slide) -> str:
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out += [c.text for row in shape.table.rows for c in row.cells]
    return "\n".join(out)


def assert_no_empty_slide(deck) -> None:
    for number, slide in enumerate(deck.slides, start=1):
        title = next(
            (s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text.strip()), ""
        )
        body = slide_text(slide).replace(title, "", 1)
        shown = [s for s in slide.shapes if s.has_chart or s.has_table or s.shape_type == 13]  # 13: picture
        # Besides the title and the page footer, a slide says something.
        assert shown or len(body.strip()) > 60, (number, title)


def test_the_sample_deck_has_the_breakdown_slide_with_native_charts(store, tmp_path):
    b = brief(store)
    path = tmp_path / "giao_ban.pptx"
    briefing.write_pptx(b, path, include_map=False)
    deck = Presentation(str(path))
    (slide,) = [s for s in deck.slides if TITLE in slide_text(s)]
    charts = [s.chart for s in slide.shapes if s.has_chart]
    assert [c.chart_type for c in charts] == [XL_CHART_TYPE.BAR_CLUSTERED] * 2
    groups, channels = charts
    # Bottom-up in PowerPoint: the first group on top.  The values are the groups' coverage.
    campaign = b.snapshot.campaign
    found = breakdowns.breakdown(
        store.current_parts(), store.denominator_rows(), store.units(), campaign, "group"
    )
    province = found.rows[(found.rows.level == "province") & found.rows.eligible.notna()]
    province = province[province.value.isin(["Người cao tuổi", "Người có công", "Học sinh"])].set_index(
        "value"
    )
    assert list(groups.plots[0].categories) == ["Học sinh", "Người có công", "Người cao tuổi"]
    assert list(groups.plots[0].series[0].values) == pytest.approx(
        [province.at[v, "coverage"] for v in ["Học sinh", "Người có công", "Người cao tuổi"]]
    )
    assert list(channels.plots[0].categories)[::-1] == [
        "Tại trụ sở",
        "Tại trường học",
        "Tổ lưu động",
        "Tại nhà",
    ]
    assert sum(channels.plots[0].series[0].values) == pytest.approx(1.0)
    text = slide_text(slide)
    assert "Học sinh lớp 12 xong trước 20/6: chậm tiến độ" in text
    assert "Tổ lưu động: 34.000 hồ sơ mỗi tuần" in text and "còn thiếu 67.884" in text
    assert_no_empty_slide(deck)
    # The PDF has the same part.
    pdf = tmp_path / "giao_ban.pdf"
    briefing.write_pdf(b, pdf, include_map=False)
    every = "\n".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
    assert TITLE in every and "còn thiếu 67.884" in every


def test_a_deck_without_breakdowns_has_no_such_slide_and_no_empty_one(store, tmp_path, db_url):
    # The same campaign briefed without its parts, and a store that never had any.
    only_totals = Store.open(db_url)
    assert ingest.import_file(only_totals, SAMPLE_DIR / "nghe_an_2023" / "observations.csv").ok
    only_totals.save_campaign(
        camp.parse_toml((SAMPLE_DIR / "nghe_an_2023" / "campaign.toml").read_text()).to_definition()
    )
    assert not only_totals.has_parts()
    for b in (brief(store, with_parts=False), brief(only_totals)):
        assert b.parts is None and "parts" not in [s.kind for s in briefing.slides(b)]
        path = tmp_path / "deck.pptx"
        briefing.write_pptx(b, path, include_map=False)
        deck = Presentation(str(path))
        assert not [s for s in deck.slides if TITLE in slide_text(s)]
        assert_no_empty_slide(deck)
        pdf = tmp_path / "deck.pdf"
        briefing.write_pdf(b, pdf, include_map=False)
        assert TITLE not in "\n".join(p.extract_text() for p in PdfReader(str(pdf)).pages)


def test_the_workbook_includes_the_breakdowns(store, tmp_path, capsys):
    path = tmp_path / "giao_ban.xlsx"
    url = str(store.engine.url)
    assert (
        cli.main(["report", "--db", url, "--format", "xlsx", "--out", str(path), "--campaign", NGHE_AN]) == 0
    )
    book = openpyxl.load_workbook(path, read_only=True)
    assert {"Nhóm đối tượng", "Hình thức thu nhận", "Nơi cư trú", "Chỉ tiêu nhóm"} <= set(book.sheetnames)
    rows = list(book["Hình thức thu nhận"].values)
    header = rows[0]
    assert header[:3] == ("Tỉnh", "Huyện", "Xã") and "Mẫu số" in header
    mobile = [
        r
        for r in rows[1:]
        if r[header.index("Hình thức thu nhận")] == "Tổ lưu động" and r[header.index("Cấp")] == "tỉnh"
    ]
    assert len(mobile) == 1 and mobile[0][header.index("Đã thu nhận")] > 300_000
    targets = list(book["Chỉ tiêu nhóm"].values)
    assert [r[0] for r in targets[1:]][0] == "Học sinh lớp 12 xong trước 20/6"
    # Without breakdowns: no such sheet.
    b = brief(store, with_parts=False)
    plain = tmp_path / "plain.xlsx"
    briefing.write_xlsx(b, plain)
    assert "Nhóm đối tượng" not in openpyxl.load_workbook(plain, read_only=True).sheetnames
