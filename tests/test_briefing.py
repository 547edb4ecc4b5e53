"""The briefing: sentences from the snapshot's numbers, and the deck, PDF and workbook made of them."""

import io
import re
import shutil
import time
from dataclasses import replace
from datetime import date

import numpy as np
import openpyxl
import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Emu
from pypdf import PdfReader

from cccd_analytics import briefing
from cccd_analytics import text as fmt
from cccd_analytics.analytics import campaigns, metrics
from cccd_analytics.store import Store

NGHE_AN = "Cao điểm 70 ngày, đêm — Nghệ An 2023"
KY_ANH = "Huyện Kỳ Anh — 87.000 thẻ CCCD trước 10/6/2021"
DIACRITICS = re.compile(r"[ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ]")


@pytest.fixture(scope="module")
def frames(sample_db, tmp_path_factory):
    copy = tmp_path_factory.mktemp("briefing") / "sample.sqlite"
    shutil.copy(sample_db, copy)
    store = Store.open(f"sqlite:///{copy}")
    found = {c.name: c for c in (campaigns.from_definition(d) for d in store.campaign_definitions())}
    return store.current_observations(), store.units(), found, store.list_uploads()


@pytest.fixture(scope="module")
def nghe_an(frames):
    obs, units, found, uploads = frames
    return briefing.from_frames(obs, units, found[NGHE_AN], uploads=uploads)


@pytest.fixture(scope="module")
def ky_anh(frames):
    obs, units, found, _ = frames
    return briefing.build_briefing(metrics.snapshot(obs, units, found[KY_ANH], date(2021, 3, 15)))


# -- what it says --------------------------------------------------------------------


def test_ky_anh_on_the_press_day_says_4843_applications(ky_anh):
    main = ky_anh.snapshot.milestones.iloc[0]
    first, second = ky_anh.narrative[:2]
    assert first.startswith("Đến ngày 15/3/2021, toàn huyện đã thu nhận 4.843 hồ sơ")
    assert f"đạt {fmt.percent(main['collected'] / main['target'])} chỉ tiêu 87.000 hồ sơ" in first
    assert f"cần bình quân {fmt.number(main['required_per_day'])} hồ sơ/" in second
    assert "trước 10/6" in second and f"{fmt.number(main['days_left'])} ngày đến hạn 10/6/2021" in second
    assert ky_anh.unit_name == "Huyện Kỳ Anh" and ky_anh.as_of == date(2021, 3, 15)


def test_nghe_an_narrative_equals_the_snapshot_figures(nghe_an):
    snap = nghe_an.snapshot
    main = snap.milestones.iloc[0]
    text = " ".join(nghe_an.narrative)
    assert nghe_an.narrative[0].startswith(
        f"Đến ngày {fmt.date_vn(snap.as_of)}, toàn tỉnh đã thu nhận {fmt.number(main['collected'])} hồ sơ"
    )
    assert fmt.percent(main["coverage"]) in text and fmt.number(main["remaining"]) in text
    assert fmt.number(main["required_per_day"]) in text and fmt.number(main["pace_7d"]) in text
    assert fmt.date_vn(main["projected_date"]) in text
    assert nghe_an.headline.collected == main["collected"] == 2_365_662
    figures = {f.label: f.value for f in nghe_an.figures}
    assert figures["Đã thu nhận"] == "2.365.662" and figures["Chỉ tiêu"] == fmt.number(main["target"])


def test_every_milestone_has_a_status_line(nghe_an):
    snap = nghe_an.snapshot
    assert len(nghe_an.milestones) == len(snap.milestones) == 3
    for line, row in zip(nghe_an.milestones[1:], snap.milestones.iloc[1:].itertuples()):
        assert line.text.startswith(f"{row.name} (hạn {fmt.date_vn(row.deadline)})")
        assert line.status_label == metrics.STATUS_LABELS[row.status]
        assert f"{fmt.number(row.units_done)}/{fmt.number(row.units)} xã" in line.text


def test_a_province_ranks_its_districts_and_a_district_its_communes(nghe_an, ky_anh):
    assert nghe_an.ranking_level == "district" and ky_anh.ranking_level == "commune"
    districts = nghe_an.snapshot.units.query("level == 'district'").sort_values("coverage")
    assert nghe_an.top.rows[0][1] == districts["name"].iloc[-1]
    assert nghe_an.bottom.rows[0][1] == districts["name"].iloc[0]
    assert len(nghe_an.top.rows) == len(nghe_an.bottom.rows) == 5
    assert not {r[1] for r in ky_anh.top.rows} & {r[1] for r in ky_anh.bottom.rows}


def test_communes_needing_teams_are_behind_and_show_the_extra_per_day(nghe_an):
    teams = briefing.team_frame(nghe_an.snapshot)
    assert len(teams) == len(nghe_an.teams.rows) > 20
    assert set(teams["status"]) <= set(briefing.TEAM_STATUSES)
    first = teams.iloc[0]
    pace = first.get("pace_workday", first["pace_7d"])
    assert first["extra_per_day"] == pytest.approx(max(first["required_per_day"] - pace, 0))
    assert nghe_an.teams.rows[0][1] == first["name"]
    assert f"cho {fmt.number(len(teams))} xã" in nghe_an.teams_summary
    # Before the deadline, a commune whose pace already covers its need gets no extra team:
    # none is listed with nothing more to do a day; the summary counts them apart.
    assert (teams["extra_per_day"] >= 0.5).all() or not np.isfinite(teams["required_per_day"]).all()
    if teams.attrs["pace_enough"]:
        assert f"{fmt.number(teams.attrs['pace_enough'])} xã khác đang đủ tốc độ" in nghe_an.teams_summary
    # Where a team does the most first: the largest extra a day (a commune needing 15 more a
    # day was listed above one needing 183, being later by the forecast).
    ahead = teams[np.isfinite(teams["required_per_day"])]
    assert ahead["extra_per_day"].is_monotonic_decreasing
    assert (
        teams["extra_per_day"].iloc[0]
        == teams.loc[np.isfinite(teams["required_per_day"]), "extra_per_day"].max()
    )


def test_caveats_name_silent_communes_and_coverage_over_100(frames):
    obs, units, found, _ = frames
    silent = briefing.build_briefing(metrics.snapshot(obs, units, found[NGHE_AN], date(2023, 5, 2)))
    assert any("chưa báo cáo số liệu ngày 2/5/2023" in c for c in silent.caveats)
    over = briefing.build_briefing(metrics.snapshot(obs, units, found[KY_ANH], date(2021, 5, 15)))
    assert any("trên 100%" in c and "Xã Kỳ Trung" in c for c in over.caveats)
    # A share above 100% is a denominator too low: not among the leaders, and the title says so.
    assert "Xã Kỳ Trung" not in {r[1] for r in over.top.rows}
    assert "không tính 1 xã trên 100%" in over.top.title


def test_a_campaign_without_data_still_makes_a_briefing(frames, tmp_path):
    obs, units, found, _ = frames
    empty = briefing.build_briefing(metrics.snapshot(obs.iloc[0:0], units, found[KY_ANH]))
    assert "chưa có số liệu" in empty.narrative[0]
    briefing.write_pptx(empty, tmp_path / "empty.pptx", include_map=False)
    briefing.write_pdf(empty, tmp_path / "empty.pdf", include_map=False)
    briefing.write_xlsx(empty, tmp_path / "empty.xlsx")


# -- the deck --------------------------------------------------------------------------


def slide_text(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts += [c.text for row in shape.table.rows for c in row.cells]
    return "\n".join(parts)


def _plain(text: str) -> str:
    """A title as written, without where the deck makes it break or not break."""
    return text.replace("\v", " ").replace("\u00a0", " ")


def charts_of(deck):
    return [s.chart for slide in deck.slides for s in slide.shapes if s.has_chart]


def test_deck_is_16_9_vietnamese_with_native_charts(nghe_an, tmp_path):
    path = tmp_path / "giao-ban.pptx"
    started = time.perf_counter()
    briefing.write_pptx(nghe_an, path, include_map=False)
    print(f"\ndeck built in {time.perf_counter() - started:.2f} s")
    deck = Presentation(str(path))
    assert Emu(deck.slide_width).inches == pytest.approx(13.333, abs=0.01)
    assert Emu(deck.slide_height).inches == pytest.approx(7.5)
    assert len(deck.slides) == len(briefing.slides(nghe_an))
    cover = deck.slides[0]
    assert deck.core_properties.author == briefing.AUTHOR and deck.core_properties.language == "vi-VN"
    # The cover breaks after the dash, and its last two words stay together (the line
    # break is "\v" and the unbreakable space U+00A0 in python-pptx's text).
    assert cover.shapes.title.text.split("\v")[0].endswith("—")
    assert _plain(cover.shapes.title.text) == NGHE_AN
    assert "\u00a0" in cover.shapes.title.text.split("\v")[-1]
    assert "Tỉnh Nghệ An" in slide_text(cover) and "15/6/2023" in slide_text(cover)
    every = "\n".join(slide_text(s) for s in deck.slides)
    for heading in (
        "Tình hình chung",
        "Đánh giá",
        "Lũy kế thu nhận so với chỉ tiêu",
        "Thu nhận mỗi ngày",
        "Tiến độ các mốc",
        "Các huyện dẫn đầu",
        "Các huyện thấp nhất",
        "Xã cần tăng cường tổ thu nhận lưu động",
        "Lưu ý về số liệu",
    ):
        assert heading in every
    assert nghe_an.narrative[0] in every and len(DIACRITICS.findall(every)) > 500
    assert f"và {fmt.number(len(nghe_an.teams.rows) - 20)} xã khác" in every
    # Every run tagged Vietnamese, the charts' too: tagged English (the template's), each
    # Vietnamese word was underlined as misspelt in PowerPoint.
    from pptx.oxml.ns import qn

    roots = [s._element for s in deck.slides] + [c._chartSpace for c in charts_of(deck)]
    runs = [r for root in roots for r in root.iter(qn("a:r"))]
    assert runs and all(r.find(qn("a:rPr")).get("lang") == "vi-VN" for r in runs)

    found = charts_of(deck)
    kinds = [c.chart_type for c in found]
    # The cumulative chart: the forecast's range shaded under its lines (an area plot first).
    assert XL_CHART_TYPE.AREA_STACKED in kinds and XL_CHART_TYPE.BAR_CLUSTERED in kinds
    line = next(c for c in found if c.chart_type == XL_CHART_TYPE.AREA_STACKED)
    assert [p.__class__.__name__ for p in line.plots] == ["AreaPlot", "LinePlot"]
    collected = [v for v in line.plots[1].series[0].values if v is not None]
    assert collected == pytest.approx(list(nghe_an.snapshot.daily["collected"]))
    combo = next(c for c in found if c.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED)
    assert len(combo.plots) == 2  # bars per day, lines for the 7-day mean and the need
    assert combo.plots[0].series[0].name == "Thu nhận trong ngày"
    bars = [c for c in found if c.chart_type == XL_CHART_TYPE.BAR_CLUSTERED]
    top_names = [r[1] for r in nghe_an.top.rows]
    assert list(bars[0].plots[0].categories) == top_names[::-1]
    districts = nghe_an.snapshot.units.set_index("name")
    assert list(bars[0].plots[0].series[0].values) == pytest.approx(
        [districts.loc[n, "coverage"] for n in top_names[::-1]]
    )


def test_every_table_on_a_slide_stays_inside_the_slide(nghe_an, tmp_path):
    path = tmp_path / "deck.pptx"
    briefing.write_pptx(nghe_an, path, include_map=False)
    deck = Presentation(str(path))
    for slide in deck.slides:
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.top >= 0
            assert shape.left + shape.width <= deck.slide_width + Emu(5)
            if shape.has_table:
                assert len(shape.table.rows) <= 11
                assert shape.top + sum(r.height for r in shape.table.rows) <= deck.slide_height


def test_a_map_image_gets_its_own_slide(ky_anh, tmp_path):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (160, 100), "white").save(buffer, format="PNG")
    deck = Presentation(io.BytesIO(briefing.pptx_bytes(ky_anh, map_image=buffer.getvalue())))
    pictures = [s for slide in deck.slides for s in slide.shapes if s.shape_type == 13]
    assert len(pictures) == 1
    assert any("Bản đồ" in slide_text(s) for s in deck.slides)


def test_several_campaigns_follow_each_other_in_one_deck(nghe_an, ky_anh):
    deck = Presentation(io.BytesIO(briefing.pptx_bytes([ky_anh, nghe_an], include_map=False)))
    titles = [_plain(s.shapes.title.text) for s in deck.slides if s.shapes.title is not None]
    assert titles.count(KY_ANH) == 1 and titles.count(NGHE_AN) == 1
    # Numbered through the whole deck: 1/N … N/N, not again from 1 for the second campaign.
    total = len(deck.slides)
    numbers = [
        t
        for s in deck.slides
        for shape in s.shapes
        if shape.has_text_frame
        for t in re.findall(r"· (\d+)/(\d+)$", shape.text_frame.text)
    ]
    assert numbers and all(n_total == str(total) for _, n_total in numbers)
    assert [int(n) for n, _ in numbers] == sorted(int(n) for n, _ in numbers)
    assert len({n for n, _ in numbers}) == len(numbers)


# -- the PDF -----------------------------------------------------------------------------


def test_pdf_has_the_same_figures_in_readable_vietnamese(nghe_an, tmp_path):
    path = tmp_path / "giao-ban.pdf"
    started = time.perf_counter()
    briefing.write_pdf(nghe_an, path, include_map=False)
    print(f"\nPDF built in {time.perf_counter() - started:.2f} s")
    reader = PdfReader(str(path))
    assert reader.metadata.author == briefing.AUTHOR
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", " ", text)
    assert NGHE_AN in flat and "Tỉnh Nghệ An · Số liệu tính đến ngày 15/6/2023" in flat
    assert "2.365.662" in flat and "Lũy kế thu nhận so với chỉ tiêu" in flat
    assert "Tiến độ các mốc" in flat and "Xã cần tăng cường tổ thu nhận lưu động" in flat
    assert re.sub(r"\s+", " ", nghe_an.narrative[1]) in flat
    assert len(DIACRITICS.findall(flat)) > 500
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts and all("LiberationSans" in f for f in fonts)  # embedded, not a viewer's guess


def test_the_pdf_assessment_stays_on_the_first_page_however_long(nghe_an):
    # The sample's assessment ran one bullet over the first page, which then stood alone on
    # page 2 before the charts.  Longer still, it is set smaller, never carried over.
    longer = replace(nghe_an, narrative=(*nghe_an.narrative, *nghe_an.narrative[-3:]))
    for b in (nghe_an, longer):
        pages = PdfReader(io.BytesIO(briefing.pdf_bytes(b, include_map=False))).pages
        first = re.sub(r"\s+", " ", pages[0].extract_text())
        assert re.sub(r"\s+", " ", b.narrative[-1])[:80] in first
        assert "Lũy kế thu nhận so với chỉ tiêu" in pages[1].extract_text()


def test_the_cumulative_chart_marks_the_deadline_and_shades_the_forecast_range(nghe_an):
    chart = nghe_an.cumulative
    ((day, label),) = chart.markers
    assert day == nghe_an.deadline and label == "Hạn 30/6"
    name, low, high, _ = chart.band
    h = nghe_an.headline
    assert (
        fmt.date_vn(h.projected_low, year=False) in name and fmt.date_vn(h.projected_high, year=False) in name
    )
    shaded = [(lo, hi) for lo, hi in zip(low, high) if lo is not None and hi is not None]
    # From the last figure on, the early end runs above the late one, and reaches the target.
    assert shaded and all(lo >= hi - 1e-6 for lo, hi in shaded)
    assert max(lo for lo, _ in shaded) == pytest.approx(h.target)
    text = re.sub(
        r"\s+",
        " ",
        PdfReader(io.BytesIO(briefing.pdf_bytes(nghe_an, include_map=False))).pages[1].extract_text(),
    )
    assert "Hạn 30/6" in text and "Khoảng dự báo 80%" in text


def test_the_decks_cumulative_chart_shades_the_forecast_range_under_its_lines(nghe_an):
    # The deck had the range only in words under the chart; the PDF and the dashboard
    # shade it.  In the deck it is a stacked area under the lines, on their axes: an
    # unseen base at the range's lower edge, and the range's width on it.
    from pptx.oxml.ns import qn

    deck = Presentation(io.BytesIO(briefing.pptx_bytes(nghe_an, include_map=False)))
    (chart,) = [
        s.chart
        for slide in deck.slides
        if "Lũy kế thu nhận so với chỉ tiêu" in slide_text(slide)
        for s in slide.shapes
        if s.has_chart
    ]
    plot_area = chart._chartSpace.find(".//" + qn("c:plotArea"))
    kinds = [el.tag.split("}")[1] for el in plot_area if el.tag.endswith("Chart")]
    assert kinds == ["areaChart", "lineChart"]  # drawn first, so under the lines
    area = plot_area.find(qn("c:areaChart"))
    assert area.find(qn("c:grouping")).get("val") == "stacked"
    line_axes = [a.get("val") for a in plot_area.find(qn("c:lineChart")).findall(qn("c:axId"))]
    assert [a.get("val") for a in area.findall(qn("c:axId"))] == line_axes

    def values(ser):
        cells = ser.find(qn("c:val")).iter(qn("c:pt"))
        points = {int(p.get("idx")): float(p.find(qn("c:v")).text) for p in cells}
        return [points.get(i) for i in range(len(nghe_an.cumulative.categories))]

    base, width = area.findall(qn("c:ser"))
    assert base.find(qn("c:spPr")).find(qn("a:noFill")) is not None
    fill = width.find(qn("c:spPr")).find(qn("a:solidFill"))
    assert fill is not None and fill.find(".//" + qn("a:alpha")) is not None
    name, one, other, _ = nghe_an.cumulative.band
    assert name in "".join(t.text for t in width.find(qn("c:tx")).iter(qn("c:v")))
    # The base is out of the legend; the shaded width is in it, under the band's name.
    deleted = [
        e.find(qn("c:idx")).get("val")
        for e in chart._chartSpace.iter(qn("c:legendEntry"))
        if e.find(qn("c:delete")).get("val") == "1"
    ]
    assert deleted == [base.find(qn("c:idx")).get("val")] == ["0"]
    stacked = [(b, w) for b, w in zip(values(base), values(width)) if w]
    both = [(a, b) for a, b in zip(one, other) if a is not None and b is not None]
    # Each day of the range: from its lower edge up to its upper one.
    assert len(stacked) == len([1 for a, b in both if abs(a - b) > 1e-9]) > 10
    for (b, w), (hi, lo) in zip(stacked, [(max(a, b), min(a, b)) for a, b in both if abs(a - b) > 1e-9]):
        assert b == pytest.approx(lo) and b + w == pytest.approx(hi)
    # The forecast's own lines are still lines, first the collected figures.
    lines = next(p for p in chart.plots if p._element.tag == qn("c:lineChart"))
    assert [s.name for s in lines.series] == [s.name for s in nghe_an.cumulative.series]


def test_each_pdf_page_is_dated_by_its_own_campaign(nghe_an, ky_anh):
    reader = PdfReader(io.BytesIO(briefing.pdf_bytes([ky_anh, nghe_an], include_map=False)))
    footers = []
    for page in reader.pages:
        text = re.sub(r"\s+", " ", page.extract_text())
        found = re.findall(r"Số liệu đến (\d+/\d+/\d{4}) · Trang (\d+)", text)
        assert len(found) == 1, text[-200:]
        footers.append((found[0][0], KY_ANH in text, NGHE_AN in text))
    dates = [d for d, _, _ in footers]
    # Kỳ Anh's pages first, then Nghệ An's: each with its own date, never the other's.
    first_nghe_an = dates.index("15/6/2023")
    assert set(dates[:first_nghe_an]) == {"15/3/2021"} and set(dates[first_nghe_an:]) == {"15/6/2023"}
    assert all(ky for _, ky, _ in footers[:first_nghe_an])
    assert all(na and not ky for _, ky, na in footers[first_nghe_an:])


# -- the workbook ------------------------------------------------------------------------


def test_workbook_has_the_tables_with_vietnamese_headers(nghe_an, tmp_path):
    path = tmp_path / "giao-ban.xlsx"
    briefing.write_xlsx(nghe_an, path)
    book = openpyxl.load_workbook(path)
    assert {
        "Tóm tắt",
        "Các mốc",
        "Cấp tỉnh",
        "Cấp huyện",
        "Cấp xã",
        "Theo ngày",
        "Xã cần tổ lưu động",
        "Lưu ý số liệu",
    } <= set(book.sheetnames)
    communes = book["Cấp xã"]
    headers = [c.value for c in communes[1]]
    assert "Đã thu nhận" in headers and "Tỷ lệ (so với số đủ điều kiện)" in headers
    assert communes.max_row == 461
    column = headers.index("Đã thu nhận") + 1
    total = sum(communes.cell(row=r, column=column).value or 0 for r in range(2, 462))
    assert total == pytest.approx(nghe_an.headline.collected)
    daily = book["Theo ngày"]
    assert daily.cell(row=2, column=1).number_format == "d/m/yyyy"
    assert len(list(daily.iter_rows())) == len(nghe_an.snapshot.daily) + 1


def test_workbook_counts_are_whole_and_its_days_read_as_days(frames, tmp_path):
    # Kỳ Anh on 15/5: its communes' gaps were spread over the missing days (a cumulative of
    # 69,5 on 18/2) and its target shared out by eligible citizens (4.826,46 for a commune).
    obs, units, found, _ = frames
    snap = metrics.snapshot(obs, units, found[KY_ANH], date(2021, 5, 15))
    assert (snap.daily["collected"] % 1 != 0).any()  # what the workbook must not show
    path = tmp_path / "giao-ban.xlsx"
    briefing.write_xlsx(snap, path)
    book = openpyxl.load_workbook(path)
    for sheet in ("Theo ngày", "Xã cần tổ lưu động", "Cấp xã"):
        rows = list(book[sheet].iter_rows(values_only=True))
        for header in ("Lũy kế thu nhận", "Thu nhận trong ngày", "Chỉ tiêu", "Còn lại", "Đã thu nhận"):
            if header in rows[0]:
                values = [r[rows[0].index(header)] for r in rows[1:] if r[rows[0].index(header)] is not None]
                assert values and all(float(v).is_integer() for v in values), (sheet, header)
    daily = list(book["Theo ngày"].iter_rows(values_only=True))
    cumulative, day = daily[0].index("Lũy kế thu nhận"), daily[0].index("Thu nhận trong ngày")
    for before, row in zip(daily[1:], daily[2:]):  # the days add up to the cumulative
        if row[day] is not None:
            assert row[cumulative] - before[cumulative] == row[day]
    summary = {row[0].value: row[1] for row in book["Tóm tắt"].iter_rows(min_row=2)}
    assert summary["Số liệu tính đến"].number_format == "d/m/yyyy"
    assert summary["Hạn"].number_format == "d/m/yyyy"
    assert float(summary["Bình quân 7 ngày"].value).is_integer()
    # A share as the other sheets write theirs: 0,937 shown as 93,7%, not the number 93,7.
    for label in ("Đạt (% chỉ tiêu)", "Khả năng kịp hạn (%)"):
        assert summary[label].number_format == "0.0%"
        assert 0 <= summary[label].value <= 1.5
    units = list(book["Cấp xã"].iter_rows(min_row=2, max_row=2))[0]
    assert {c.number_format for c in units if isinstance(c.value, float) and c.value < 1.5} >= {"0.0%"}


def test_workbook_from_a_snapshot_with_hostile_names_has_no_formulas(ky_anh, tmp_path):
    snap = ky_anh.snapshot
    hostile = [
        '=HYPERLINK("http://x")',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "<script>alert(1)</script>",
        "'; DROP TABLE units; --",
    ]
    units = snap.units.copy()
    communes = units.index[units["level"] == "commune"][: len(hostile)]
    units.loc[communes, "name"] = hostile
    path = tmp_path / "hostile.xlsx"
    briefing.write_xlsx(replace(snap, units=units), path)
    sheet = openpyxl.load_workbook(path)["Cấp xã"]
    names_col = [c.value for c in sheet[1]].index("Đơn vị") + 1
    written = {
        sheet.cell(row=r, column=names_col).value: sheet.cell(row=r, column=names_col)
        for r in range(2, sheet.max_row + 1)
    }
    for name in hostile:
        cell = written.get(name) or written.get("'" + name)
        assert cell is not None and cell.data_type == "s", name
        if name[0] in "=+-@":
            assert cell.value == "'" + name
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_pptx_and_pdf_show_hostile_names_as_plain_text(ky_anh):
    units = ky_anh.snapshot.units.copy()
    first = units.index[units["level"] == "commune"][0]
    units.loc[first, "name"] = "<b>Xã</b> & =1+1"
    b = briefing.build_briefing(replace(ky_anh.snapshot, units=units))
    deck = Presentation(io.BytesIO(briefing.pptx_bytes(b, include_map=False)))
    assert any("<b>Xã</b> & =1+1" in slide_text(s) for s in deck.slides)
    reader = PdfReader(io.BytesIO(briefing.pdf_bytes(b, include_map=False)))
    assert "<b>Xã</b> & =1+1" in "\n".join(p.extract_text() for p in reader.pages)


def test_the_forecast_notes_get_a_slide_of_their_own_in_deck_and_presentation(nghe_an):
    from cccd_analytics.briefing.model import NOTES_HEADING
    from cccd_analytics.briefing.plan import slides

    communes = nghe_an.snapshot.units[nghe_an.snapshot.units["level"] == "commune"]
    open_ = communes[~communes["status"].isin(("done", "no_data"))]
    note = open_["forecast_note"].fillna("")
    noted = open_[(note != "") & ~note.str.startswith("dự báo đạt")]  # a reason, not only the date
    assert len(noted) and nghe_an.forecast_notes, "the sample has communes whose forecast carries a note"
    shown = min(len(noted), 5)
    assert [line.split(": ")[0] for line in nghe_an.forecast_notes[:shown]] == noted.pipe(
        metrics.attention_order
    )["name"].head(shown).tolist()
    if len(noted) > 5:
        assert nghe_an.forecast_notes[-1].startswith(f"và {fmt.number(len(noted) - 5)} xã khác")
    only_late = open_.loc[note.str.startswith("dự báo đạt"), "name"]
    assert len(only_late), "the sample has late communes whose note only restates the projection"
    named = {line.split(": ")[0] for line in nghe_an.forecast_notes}
    assert not named & set(only_late)
    # The narrative (PDF, workbook) keeps them as a paragraph; the slides move them apart.
    assert any(p.startswith(NOTES_HEADING) for p in nghe_an.narrative)
    plan = slides(nghe_an)
    assessment = next(s for s in plan if s.title == "Đánh giá")
    assert not any(line.startswith(NOTES_HEADING) for line in assessment.lines)
    notes = [s for s in plan if s.title == NOTES_HEADING]
    assert len(notes) == 1 and notes[0].lines == nghe_an.forecast_notes
    deck = Presentation(io.BytesIO(briefing.pptx_bytes(nghe_an, include_map=False)))
    first = nghe_an.forecast_notes[0].split(": ")[0]
    assert any(NOTES_HEADING in slide_text(s) and first in slide_text(s) for s in deck.slides)


def test_the_briefing_map_writes_each_unit_name_and_coverage_on_its_shape(nghe_an):
    from cccd_analytics import geo

    fig = briefing.map_figure(nghe_an, 1600, 1000)
    assert fig is not None
    # On its point, or moved away with a line to it (a trace of its own).
    written = [tr for tr in fig.data if "text" in (tr.mode or "")]
    districts = nghe_an.snapshot.units[nghe_an.snapshot.units["level"] == "district"]
    shown = " ".join(text for tr in written for text in tr.text)
    for row in districts.itertuples():
        assert geo.short_name(row.name) in shown, row.name
        assert fmt.percent(row.coverage) in shown, (row.name, row.coverage)
    # A slide seen from the back of the room; a name that would run into another's is
    # written smaller, never left off (nobody hovers a slide).
    sizes = [px for tr in written for px, text in zip(tr.textfont.size, tr.text) if text]
    assert max(sizes) >= 18 and min(sizes) >= 0.7 * 18
    assert not [tr for tr in fig.data if tr.type == "choroplethmap"]  # nothing a map server must draw


def test_map_labels_of_the_units_that_lag_most_are_placed_before_larger_ones():
    # Two labels on the same spot: by area the larger shape's is written and the other's
    # moved or left off; named first (a unit that lags most), the small one's is written
    # where it is, and the larger one's gives way.
    from cccd_analytics.charts import maps

    points, lengths, areas = [(0.0, 0.0), (0.0, 0.0)], [(8, 5), (8, 5)], [10.0, 1.0]
    by_area = maps._clear_of_others(points, lengths, areas, 12, 100.0, 100.0)
    assert by_area[0] == (12, "middle center") and by_area[1] != (12, "middle center")
    lagging = maps._clear_of_others(points, lengths, areas, 12, 100.0, 100.0, first=[1])
    assert lagging[1] == (12, "middle center") and lagging[0] != (12, "middle center")
