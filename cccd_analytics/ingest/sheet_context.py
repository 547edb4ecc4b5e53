"""What a sheet says once for all its rows: the date of a report without a date column
(and where it came from), and the province and district of its letterhead, title or name."""

from __future__ import annotations

import functools
import re
from datetime import date

from cccd_analytics import registry
from cccd_analytics.ingest import layout as layouts
from cccd_analytics.ingest import normalise
from cccd_analytics.ingest.report import ImportReport, Problem
from cccd_analytics.text import date_vn


def date_line_source(found: layouts.Layout) -> str:
    """Where a table's date line is, as a report says it: "dòng ngày số liệu, dòng 4: «…»"."""
    where = "chân báo cáo" if found.date_origin == "footer" else "dòng ngày số liệu"
    return f"{where}, dòng {(found.date_row or 0) + 1}: «{found.date_line}»"


def date_for_sheet(
    found: layouts.Layout,
    file_name: str,
    report_date: date | None,
    report: ImportReport,
    sheet_name: str | None,
):
    """The one date of a report without a date column, and where it came from."""
    from_name = normalise.date_from_file_name(file_name) or _day_month_in_titles_year(found, file_name)
    if found.data_date is not None:
        # A day column of a wide sheet, or the day a sheet-per-day workbook's sheet is named
        # after: the table says it, over any line above it.
        if found.data_date_origin == "sheet_name" and found.report_date not in (None, found.data_date):
            report.problems.append(
                Problem.of(
                    "date_mismatch",
                    f"tên trang ghi ngày {date_vn(found.data_date)} nhưng dòng ngày trong trang ghi "
                    f"{date_vn(found.report_date)}; đã dùng ngày theo tên trang (mỗi trang một ngày).",
                    sheet=sheet_name,
                    row=(found.date_row or 0) + 1,
                )
            )
        return found.data_date, found.data_date_origin, found.data_date_source
    if report_date is not None:
        return report_date, "given", "ngày người nhập chọn"
    if found.report_date is not None:
        if from_name and from_name != found.report_date:
            report.problems.append(
                Problem.of(
                    "date_mismatch",
                    f"ngày trong tên tệp ({date_vn(from_name)}) khác ngày trong báo cáo "
                    f"({date_vn(found.report_date)}); đã dùng ngày trong báo cáo.",
                    sheet=sheet_name,
                    row=(found.date_row or 0) + 1,
                )
            )
        if found.other_date_line is not None:
            row, line, day = found.other_date_line
            report.problems.append(
                Problem.of(
                    "date_mismatch",
                    f"dòng {row + 1} «{line}» ghi ngày {date_vn(day)}, nhưng dòng ngày số liệu ghi "
                    f"{date_vn(found.report_date)}; đã dùng ngày {date_vn(found.report_date)} theo dòng ngày số "
                    "liệu — kiểm tra lại nếu không đúng.",
                    sheet=sheet_name,
                    row=(found.date_row or 0) + 1,
                )
            )
        return found.report_date, found.date_origin, date_line_source(found)
    if found.sheet_date is not None:
        return found.sheet_date, "sheet_name", f"tên trang «{sheet_name}»"
    if found.book_date is not None:
        return found.book_date[0], "date_line", found.book_date[1]
    if from_name is not None:
        return from_name, "file_name", f"tên tệp «{file_name}»"
    dated = _day_month_line_in_file_names_year(found, file_name)
    if dated is not None:
        row, line = found.day_month_line
        return (
            dated,
            "date_line",
            f"dòng ngày số liệu, dòng {row + 1}: «{line}», năm theo tên tệp «{file_name}»",
        )
    return None, None, ""


def _day_month_line_in_file_names_year(found: layouts.Layout, file_name: str) -> date | None:
    """A title or date line without its year ("BÁO CÁO … NGÀY 16/6") in a file named with
    the year alone ("BC CCCD năm 2023.xlsx", "tien_do_2023.xlsx"): that day of the file
    name's one year, as a wide sheet's and a sheet-per-day workbook's days take it.  Such a
    report was refused saying the file name gave no year."""
    year = normalise.year_from_file_name(file_name)
    if found.day_month_line is None or year is None:
        return None
    line = found.day_month_line[1]
    # A date line's day ("tính đến 17h ngày 16/6"), or the title's ("BÁO CÁO … NGÀY 16/6");
    # not a day some other line mentions (the plan a letter cites, "Kế hoạch … ngày 1/6").
    day_month = normalise.find_day_month(line) or (
        normalise.day_month_mentioned(line) if line == (found.title or "").strip() else None
    )
    if not day_month:
        return None
    try:
        return date(year, day_month[1], day_month[0])
    except ValueError:  # 29/2 of a year without one, a day the month lacks
        return None


def authority_context(authorities: tuple[str, ...]) -> tuple[str, str]:
    """Province and district from the letterhead ("CÔNG AN TỈNH HÀ TĨNH / CÔNG AN HUYỆN KỲ ANH").

    A letterhead cell often holds the office under it too, on a second line that Word and
    Excel join with a space ("CÔNG AN HUYỆN KỲ ANH ĐỘI CẢNH SÁT QLHC VỀ TTXH"): the place is
    the longest run of words after its type that is a place of the registry, else the cell's
    first line."""
    province = district = ""
    for authority in authorities:
        first = authority.splitlines()[0].strip() if authority.strip() else authority
        spelled = registry.expand(first)  # "tp. ho chi minh" → "thanh pho ho chi minh", "q.3" → "quan 3"
        if authority.startswith("tinh "):
            province = province or _place_of(authority, _province_names())
        elif spelled.startswith("thanh pho ") and spelled[len("thanh pho ") :].startswith(_CENTRAL_CITIES):
            # "CÔNG AN THÀNH PHỐ HỒ CHÍ MINH / CÔNG AN QUẬN 3": a city of the province's rank,
            # over its district; read as a district, it hid "Quận 3", and the wards of Quận 3
            # and Quận 5 outside the registry got one key (one's figures replaced the other's).
            province = province or spelled
        elif spelled.startswith(("huyen ", "thi xa ", "thanh pho ", "quan ")):
            district = district or (
                _place_of(authority, _district_names())
                if authority.startswith(spelled.split()[0])
                else spelled
            )
    return province, district


#: The cities run by the centre, of a province's rank ("Thành phố Hồ Chí Minh").
_CENTRAL_CITIES = ("ha noi", "ho chi minh", "hai phong", "da nang", "can tho")


def _place_of(authority: str, names: frozenset[str]) -> str:
    first = authority.splitlines()[0].strip() if authority.strip() else authority
    return _place_named(first, names) or first


def _place_named(text: str, names: frozenset[str]) -> str:
    """The longest run of `text`'s words from its type word(s) on that is one of `names`
    ("tinh nghe an den ngay 15" → "tinh nghe an"), "" when none is."""
    words = text.split()
    kind = 2 if words[:2] in (["thi", "xa"], ["thanh", "pho"]) else 1
    for end in range(len(words), kind, -1):
        if " ".join(words[kind:end]) in names:
            return " ".join(words[:end])
    return ""


def _day_month_in_titles_year(found: layouts.Layout, file_name: str) -> date | None:
    """ "BC ngay 15-5.xlsx" under a title "… NĂM 2023": the day of the file name in the
    title's one year."""
    day_month = normalise.day_month_from_file_name(file_name)
    years = normalise.years_in([found.title or ""]) if day_month else set()
    if len(years) != 1:
        return None
    try:
        return date(years.pop(), day_month[1], day_month[0])
    except ValueError:  # 29/2 of a year without one
        return None


def authorities_and_title(found: layouts.Layout) -> tuple[str, str]:
    """`authority_context` of the letterhead, the province also from a title that names it
    ("BÁO CÁO … - TỈNH NGHỆ AN") when no letterhead does: the longest run of words after
    "tỉnh" that is a province's name ("tinh hinh" is none).  A name of communes in two
    provinces ("Kỳ Tân": Nghệ An's Tân Kỳ, Hà Tĩnh's Kỳ Anh) is then the title's province's."""
    province, district = authority_context(found.authorities)
    if not province:
        named = (_place_named(text, _province_names()) for text in found.title_provinces)
        province = next((p for p in named if p), "")
    return province, district


def place_context(found: layouts.Layout, sheet_name: str | None) -> tuple[str, str]:
    """Province and district said once for a sheet's rows: the letterhead's (the province
    also from a title that names it), else a district the title names ("BÁO CÁO … TRÊN ĐỊA BÀN HUYỆN KỲ ANH"), else the sheet's name when it
    is a district's ("Kỳ Anh", "H. Tân Kỳ": a provincial workbook of a sheet per district).
    A title or sheet name is taken only when it names a real district, so "Tổng hợp" or
    "HUYỆN ỦY" says nothing; rows that name their district keep it."""
    province, district = authorities_and_title(found)
    if district:
        return province, district
    for text in found.title_districts:
        words = text.split()
        # The title goes on after the name ("huyen ky anh den ngay 15"): the longest run of
        # words from the type on that is a district's name.
        for end in range(len(words), 1, -1):
            if " ".join(words[1:end]) in _district_names():
                return province, " ".join(words[:end])
    if sheet_name and registry.bare(sheet_name) in _district_names():
        return province, sheet_name.strip()
    if sheet_name:
        # A sheet named without spaces or marks ("TanKy", "NghiaDan", "H.QuyHop"): the one
        # district whose name is those letters.
        glued = re.sub(r"[^a-z]", "", registry.bare(_split_camel(sheet_name)))
        found = _districts_glued().get(glued, ())
        if len(glued) >= 4 and len(found) == 1:
            return province, found[0]
    return province, district


def _split_camel(name: str) -> str:
    """ "H.TanKy" → "H. Tan Ky": a type written before a glued name is still a type."""
    return re.sub(r"(?<=[a-zà-ỹ])(?=[A-ZÀ-Ỹ])", " ", name.replace(".", ". "))


@functools.lru_cache(maxsize=1)
def _districts_glued() -> dict[str, tuple[str, ...]]:
    """The registry's districts by their letters alone ("tanky" → "Huyện Tân Kỳ")."""
    units = registry.load_registry()
    out: dict[str, list[str]] = {}
    for name in units.loc[units.level == "district", "name"]:
        out.setdefault(re.sub(r"[^a-z]", "", registry.bare(name)), []).append(name)
    return {k: tuple(v) for k, v in out.items()}


def _province_names() -> frozenset[str]:
    """The registry's province names, folded, without their type ("ha tinh")."""
    return registry.level_names("province")[0]


def _district_names() -> frozenset[str]:
    """The registry's district names, folded, without their type ("ky anh", "vinh")."""
    return registry.level_names("district")[0]
