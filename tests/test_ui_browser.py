"""The dashboard as leaders and analysts meet it, in headless Chromium: the projector, a
phone, the upload widget, the map, links and clickable tables, and no English left in
Vietnamese mode.  One server per module (a free port, a private copy of the sample data).

Each test saves what it saw in tests/fixtures/generated/ (ui_*.png) for a person to look at.
"""

import re
import shutil
from pathlib import Path

import pytest

from tests import browser_support
from tests.browser_support import start_dashboard, wait_for_app

pytestmark = pytest.mark.browser
SHOTS = browser_support.SHOTS


def shot(page, name: str) -> None:
    browser_support.shot(page, "ui_" + name)


# Text a person can see: text nodes that are rendered with a non-zero size and are not
# icon ligatures (Material Symbols draws "upload" as an arrow), plus CSS ::after texts.
VISIBLE_TEXT = """() => {
  const out = [];
  const shown = (el) => {
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.display === 'none' || cs.visibility === 'hidden' || parseFloat(cs.opacity) === 0) return false;
      if (e.getAttribute('data-testid') === 'stIconMaterial' || /Material/.test(cs.fontFamily)) return false;
      // a command typed as code (`cccd user add`) is not prose in either language
      if (['STYLE', 'SCRIPT', 'TEMPLATE', 'CODE'].includes(e.tagName)) return false;
    }
    return true;
  };
  const walker = document.createTreeWalker(document.querySelector('[data-testid=stApp]'), NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.textContent.trim()) continue;
    if (parseFloat(getComputedStyle(el).fontSize) < 1) continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;  // screen-reader-only text ("add icon")
    if (shown(el)) out.push(n.textContent);
  }
  for (const el of document.querySelectorAll('[data-testid=stApp] *')) {
    const c = getComputedStyle(el, '::after').content;
    if (c && c !== 'none' && c !== 'normal' && c.length > 2 && shown(el)) out.push(c.slice(1, -1));
  }
  return out.join('\\n');
}"""

# A Vietnamese syllable written without diacritics (initial, vowels, final).  An ASCII word
# that is not one ("Upload", "files", "Select", "Home") is English, or a name on the list.
SYLLABLE = re.compile(
    r"(ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(ng|nh|ch|[cmnpt])?", re.I
)
ALLOWED = {
    # formats, products and the sources of the boundaries, named as they are
    "Excel",
    "PowerPoint",
    "Word",
    "OpenOffice",
    "LibreOffice",
    "Calc",
    "xlsx",
    "xlsm",
    "xls",
    "xml",
    "ods",
    "csv",
    "txt",
    "tsv",
    "doc",
    "odt",
    "docx",
    "pdf",
    "htm",
    "html",
    "mht",  # a web page saved as one file (MHTML)
    "mhtml",
    "web",  # "trang web": the Vietnamese word for a web page
    "jpg",
    "md",
    "gis",
    "chinhphu",
    "vn",
    "sapnhap",
    "bando",
    "com",
    "dvhcvn",
    "vietnamese",
    "provinces",
    "database",
    "SOURCES",
    "cccd",
    "sample",
    "backtest",
    # the language switch names English in English, by design
    "English",
}


def english_words(text: str, allowed=frozenset()) -> list[str]:
    found = []
    for word in re.findall(r"[^\W\d_]+", text):
        if not word.isascii() or word.isupper() or len(word) < 2:
            continue  # Vietnamese with diacritics, acronyms (CSV, PDF, PNG, TCVN3), "F"
        if word in ALLOWED or word in allowed or SYLLABLE.fullmatch(word):
            continue
        found.append(word)
    return found


def test_the_english_detector_finds_widget_english_and_passes_vietnamese():
    assert english_words("200MB per file • Upload · Drag and drop files here · Select all") == [
        "per", "file", "Upload", "Drag", "and", "drop", "files", "here", "Select", "all",
    ]  # fmt: skip
    assert english_words("Tối đa 200 MB mỗi tệp · CSV, Excel (xlsx, xls) · Chon tep · phim F") == []


def test_presentation_fills_the_projector_at_1920_1366_and_1280(server, browser):
    # 1280×720: the same slides in smaller type (its last lines went under the navigation).
    for width, height in ((1920, 1080), (1366, 768), (1280, 720)):
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(server + "/presentation")
        wait_for_app(page)
        seen = 0
        while True:
            page.locator(".st-key-cccd_slide").wait_for()
            page.wait_for_timeout(300)
            box = page.locator(".st-key-cccd_slide").bounding_box()
            assert box["height"] >= 0.9 * height, (width, seen, box)
            sizes = page.evaluate("""() => {
                const slide = document.querySelector('.st-key-cccd_slide');
                const text = [...slide.querySelectorAll('.cccd-slide *')]
                    .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()));
                return {
                    overflow: slide.scrollHeight - slide.clientHeight,
                    smallest: Math.min(...text.map(e => parseFloat(getComputedStyle(e).fontSize))),
                    figures: [...slide.querySelectorAll('.cccd-tile .value, .cccd-cover .name')]
                        .map(e => parseFloat(getComputedStyle(e).fontSize)),
                };
            }""")
            assert sizes["overflow"] <= 1, (width, seen, sizes)  # nothing cut off at the bottom
            # The navigation under the slide whole on the screen (its buttons were cut in half).
            button = page.locator(".st-key-slide_next button").bounding_box()
            assert button["y"] + button["height"] <= height, (width, seen, button)
            assert sizes["smallest"] >= (28 if height > 740 else 18), (width, seen, sizes)
            assert all(size >= 44 for size in sizes["figures"]), sizes
            if seen == 1:
                shot(page, f"presentation_{width}x{height}")
            seen += 1
            nxt = page.locator(".st-key-slide_next button")
            if nxt.is_disabled():
                break
            page.keyboard.press("PageDown")  # the keyboard, as in a hall
            page.get_by_text(f"Trang {seen + 1}/").first.wait_for()
            wait_for_app(page)
        assert seen >= 10
        # The "Đầu" button: its icon from the shipped icon font, no missing-glyph box.
        first = page.locator(".st-key-slide_first button")
        assert first.inner_text().replace("first_page", "").strip() == "Đầu"
        assert english_words(page.evaluate(VISIBLE_TEXT)) == []
        page.keyboard.press("Home")
        wait_for_app(page)
        assert page.get_by_text("Trang 1/").first.is_visible()
        page.close()


def test_on_a_phone_the_slide_grows_and_its_navigation_comes_under_it(server, browser):
    """On a phone the slide scrolls: the navigation lay on top of the figures' tiles, and a
    reload went back to the first slide."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(server + "/presentation?trang=2")
    wait_for_app(page)
    assert page.get_by_text("Trang 2/").first.is_visible()
    tiles = page.locator(".cccd-tile")
    last = tiles.nth(tiles.count() - 1).bounding_box()
    nav = page.locator(".st-key-cccd_nav").bounding_box()
    assert nav["y"] >= last["y"] + last["height"], (nav, last)
    for i in range(tiles.count()):
        box = tiles.nth(i).bounding_box()
        assert box["x"] + box["width"] <= 390, box  # no tile cut at the right edge
    page.close()


def test_on_a_phone_the_map_keeps_its_colours_without_piled_labels(server, browser):
    """A few centimetres wide, the map's names and shares lay on one another and its toolbar on
    its title; it opens coloured by status, as the counts above it say."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(server + "/map")
    wait_for_app(page)
    chart = page.locator(".st-key-map_chart")
    chart.locator(".gtitle").first.wait_for()
    assert chart.locator(".gtitle").first.text_content().startswith("Trạng thái theo")
    labels = chart.locator(".textpoint")
    assert labels.count() > 0 and not any(labels.nth(i).is_visible() for i in range(min(5, labels.count())))
    assert not chart.locator(".modebar-container").first.is_visible()
    page.close()


def test_on_a_phone_the_verdict_comes_before_the_figures(server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server)
    wait_for_app(page)
    verdict = page.locator("[data-testid=stAlert]", has_text="Dự báo đạt chỉ tiêu").first
    metrics = page.locator("[data-testid=stMetric]")
    metrics.first.wait_for()
    v, m0, m1 = verdict.bounding_box(), metrics.nth(0).bounding_box(), metrics.nth(1).bounding_box()
    assert v["y"] + v["height"] <= m0["y"]
    assert v["y"] + v["height"] <= 844  # the sentence is on the first screen
    assert abs(m0["y"] - m1["y"]) < 2 and m1["x"] > m0["x"] + 100  # two figures side by side
    shot(page, "overview_phone")
    # The attention list as cards, the wide table hidden.
    cards = page.locator(".st-key-ov_cards .cccd-card")
    assert cards.count() == 15 and cards.first.is_visible()
    assert not page.locator(".st-key-ov_attention_table").is_visible()
    name = cards.first.locator(".name").inner_text()
    page.locator(".st-key-ov_cards button").first.click()  # a card opens its commune
    page.wait_for_url(re.compile(r"/unit\?"))
    wait_for_app(page)
    assert page.locator("[data-testid=stMain] h1").first.inner_text() == name
    page.close()


# Inside the track-record panel: elements whose content is wider than their box and that
# clip or scroll it (a cut-off column), and the widest element against the panel.
PANEL_OVERFLOW = """() => {
  const panel = [...document.querySelectorAll('[data-testid=stExpander]')]
      .find(e => e.querySelector('summary').innerText.includes('Độ tin cậy của dự báo'));
  const width = panel.getBoundingClientRect().width;
  const cut = [...panel.querySelectorAll('*')].filter(e => e.offsetParent !== null
      && e.scrollWidth > e.clientWidth + 2 && getComputedStyle(e).overflowX !== 'visible');
  const wide = [...panel.querySelectorAll('*')].filter(e => e.getBoundingClientRect().width > width + 1);
  return {cut: cut.map(e => e.tagName + '.' + String(e.className).slice(0, 40)),
          wide: wide.map(e => e.tagName + '.' + String(e.className).slice(0, 40))};
}"""


def test_the_track_record_panel_shows_every_column_at_1440_and_cards_at_390(server, browser):
    from cccd_analytics.analytics import backtest
    from cccd_analytics.registry import load_registry

    _, record = backtest.shipped_track_record()
    names = {w for name in load_registry()["name"].dropna() for w in re.findall(r"[^\W\d_]+", str(name))}
    for width in (1440, 390):
        page = browser.new_page(viewport={"width": width, "height": 1000})
        page.goto(server)
        wait_for_app(page)
        summary = page.locator("[data-testid=stExpander] summary", has_text="Độ tin cậy của dự báo")
        summary.scroll_into_view_if_needed()
        summary.click()
        page.wait_for_timeout(1000)
        panel = page.locator(
            "[data-testid=stExpander]", has=page.locator("summary", has_text="Độ tin cậy của dự báo")
        )
        tables = panel.locator(".st-key-ov_record_tables")
        cards = panel.locator(".st-key-ov_record_cards .cccd-card")
        assert cards.count() == len(record["rows"])
        if width == 1440:
            assert tables.is_visible() and not cards.first.is_visible()
            heads = tables.locator("th").all_inner_texts()
            assert "Khoảng 80% chứa ngày thực tế" in heads
            assert "Sai số mô hình ÷ sai số thước, tính cả" in heads
        else:
            assert not tables.is_visible() and cards.first.is_visible()
            germany = cards.filter(has_text="Đức (16 bang, hằng ngày) · mốc 70%")
            assert "Tính cả 67 lần dự báo cho 2 đơn vị chưa đạt mốc" in germany.inner_text()
        assert page.evaluate(PANEL_OVERFLOW) == {"cut": [], "wide": []}, width
        # no English in the open panel (nor elsewhere on the page: names of units allowed)
        assert english_words(page.evaluate(VISIBLE_TEXT), names) == [], width
        panel.screenshot(path=str(SHOTS / f"ui_track_record_{width}.png"))
        page.close()


def test_upload_refuses_odt_and_jpg_in_vietnamese_and_no_widget_english_remains(server, browser, tmp_path):
    doc = tmp_path / "bao_cao.odt"
    doc.write_bytes(b"PK\x03\x04" + bytes(600))
    jpg = tmp_path / "anh_chup.jpg"
    jpg.write_bytes(b"\xff\xd8\xff\xe0" + bytes(600))
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(server + "/upload")
    wait_for_app(page)
    # Opened first on a cold server, the page may still be drawing when the app is idle.
    page.wait_for_function(f"({VISIBLE_TEXT})().includes('Chọn tệp')", timeout=60_000)
    before = page.evaluate(VISIBLE_TEXT)
    assert "Chọn tệp" in before and "Tối đa 200 MB mỗi tệp" in before
    assert english_words(before) == [], english_words(before)
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files([str(doc), str(jpg)])
    wait_for_app(page)
    page.get_by_text("Từ chối tệp «bao_cao.odt»: Tệp .odt").first.wait_for()
    page.get_by_text("Từ chối tệp «anh_chup.jpg»: Tệp .jpg là ảnh").first.wait_for()
    after = page.evaluate(VISIBLE_TEXT)
    assert "hãy lưu lại thành" in after
    for english in ("Upload", "per file", "Browse", "Drag and drop", "not allowed", "Error"):
        assert english not in after, english
    assert english_words(after) == [], english_words(after)
    shot(page, "upload_refusals")
    page.close()


def test_a_district_clicked_or_chosen_on_the_map_shows_its_communes(server, browser):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(server + "/map")
    wait_for_app(page)
    title = page.locator("[data-testid=stPlotlyChart] .gtitle").first
    title.wait_for()
    assert "số liệu đến 15/6/2023" in title.text_content()
    label = page.locator("[data-testid=stPlotlyChart] g.textpoint text", has_text="Quỳnh Lưu").first
    box = label.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    wait_for_app(page)
    page.get_by_text("Các xã của Huyện Quỳnh Lưu").wait_for(timeout=30_000)
    assert "huyen=421" in page.url
    # Its communes: a map of the 2025 communes they became, and the table.
    page.get_by_text("Huyện Quỳnh Lưu: các xã, phường mới").first.wait_for()
    page.evaluate("() => document.querySelector('.st-key-map_district').scrollIntoView({block: 'start'})")
    page.wait_for_timeout(1000)
    shot(page, "map_district_clicked")
    # Choosing another district from the list does the same.
    page.locator(".st-key-map_district input").click()
    page.locator(".st-key-map_district input").fill("Anh Sơn")
    page.get_by_role("option", name="Huyện Anh Sơn").click()
    wait_for_app(page)
    page.get_by_text("Các xã của Huyện Anh Sơn").wait_for()
    legend = page.locator("[data-testid=stPlotlyChart]").first
    assert "Quỳnh Lưu" in legend.text_content()  # the province map keeps its names
    page.close()


def test_a_copied_link_opens_the_same_filters_and_back_steps_through_them(server, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(server + "/units")
    wait_for_app(page)
    page.locator(".st-key-units_districts input").click()
    page.locator(".st-key-units_districts input").fill("Quỳnh Lưu")
    page.get_by_role("option", name="Huyện Quỳnh Lưu").click()
    wait_for_app(page)
    page.keyboard.press("Escape")
    page.locator(".st-key-units_status input").click()
    page.get_by_role("option", name="Chậm tiến độ").click()
    wait_for_app(page)
    page.keyboard.press("Escape")
    wait_for_app(page)
    link = page.url
    assert "huyen=" in link and "trang_thai=behind" in link and "ngay=2023-06-15" in link
    # Back: one filter at a time.
    page.go_back()
    wait_for_app(page)
    assert (
        "trang_thai=behind" not in page.url
        and "Huyện Quỳnh Lưu" in page.locator(".st-key-units_districts").inner_text()
    )
    assert "Chậm tiến độ" not in page.locator(".st-key-units_status").inner_text()
    context.close()

    fresh = browser.new_context(viewport={"width": 1440, "height": 900})
    other = fresh.new_page()
    other.goto(link)
    wait_for_app(other)
    assert "Huyện Quỳnh Lưu" in other.locator(".st-key-units_districts").inner_text()
    assert "Chậm tiến độ" in other.locator(".st-key-units_status").inner_text()
    counts = other.locator("[data-testid=stMarkdownContainer]", has_text="Chậm tiến độ:").first.inner_text()
    assert re.fullmatch(r"Chậm tiến độ: \d+", counts.strip()), counts  # only the laggards
    shot(other, "link_restored")
    # The as-of day and the language travel too.
    other.goto(link.replace("ngay=2023-06-15", "ngay=2023-06-10").replace("lang=vi", "lang=en"))
    wait_for_app(other)
    assert other.get_by_text("Data as of").first.is_visible()
    assert other.locator("[data-testid=stDateInput] input").first.input_value() == "2023-06-10"
    assert other.get_by_text("10/6/2023").first.is_visible()  # the page's figures are of that day
    fresh.close()


def test_clicking_a_row_of_the_units_table_opens_that_unit(server, browser):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(server + "/units")
    wait_for_app(page)
    grid = page.locator("[data-testid=stDataFrame]").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)  # the first row's selector
    wait_for_app(page)
    page.wait_for_url(re.compile(r"/unit\?.*don_vi=\d+"))
    wait_for_app(page)
    key = re.search(r"don_vi=(\d+)", page.url).group(1)
    heading = page.locator("[data-testid=stMain] h1").first.inner_text()
    assert heading.startswith(("Xã", "Phường", "Thị trấn")), heading
    assert heading in page.locator(".st-key-unit_key input").input_value()
    from cccd_analytics.registry import load_registry

    registry = load_registry()
    assert registry.loc[registry["key"] == key, "name"].tolist() == [heading]  # the unit the URL names
    shot(page, "unit_opened_from_table")
    page.close()


def test_no_english_on_any_page_in_vietnamese_mode(server, browser):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    import dashboard_pages

    from cccd_analytics.registry import load_registry

    registry = load_registry()
    names = {w for name in registry["name"].dropna() for w in re.findall(r"[^\W\d_]+", str(name))}
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    found = {}
    for name in dashboard_pages.names():
        page.goto(f"{server}/{'' if name == 'overview' else name}")
        wait_for_app(page)
        page.wait_for_timeout(1500)  # charts draw after the script ends
        words = english_words(page.evaluate(VISIBLE_TEXT), names)
        if words:
            found[name] = sorted(set(words))
    assert found == {}, found
    page.close()


def test_the_stop_button_shown_while_a_page_runs_says_dung(server, browser):
    """Streamlit's status widget (top right, only while a script runs) has an English "Stop"
    button; the page's stylesheet must draw it in Vietnamese.  The widget lives a fraction of
    a second, so an element of the same shape is put in the loaded page and its computed
    style read."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(server)
    wait_for_app(page)
    drawn = page.evaluate("""() => {
        const widget = document.createElement('div');
        widget.setAttribute('data-testid', 'stStatusWidget');
        const button = document.createElement('button');
        button.setAttribute('data-testid', 'stBaseButton-header');
        button.textContent = 'Stop';
        widget.appendChild(button);
        document.body.appendChild(widget);
        return {size: getComputedStyle(button).fontSize,
                after: getComputedStyle(button, '::after').content};
    }""")
    assert drawn == {"size": "0px", "after": '"Dừng"'}, drawn
    page.close()


def test_a_link_opened_first_after_a_restart_keeps_its_filters(sample_db, browser, tmp_path):
    """The first session of a fresh server runs the linked page before the router knows its
    pages, and is redirected through the router: the link's filters must survive both hops."""
    copy = tmp_path / "db.sqlite"
    shutil.copy(sample_db, copy)
    proc, url = start_dashboard(f"sqlite:///{copy}")
    try:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{url}/map?lop=commune_2025&to_mau=status")
        wait_for_app(page)
        title = page.locator("[data-testid=stPlotlyChart] .gtitle").first
        title.wait_for()
        assert title.text_content().startswith("Trạng thái theo xã, phường mới"), title.text_content()
        assert "lop=commune_2025" in page.url and "to_mau=status" in page.url
        page.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
