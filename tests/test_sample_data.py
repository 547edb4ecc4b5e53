"""The synthetic sample data: the published figures, the import rules, the documented
glitches, the report spreadsheets and byte-identical regeneration."""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
KY_ANH = SAMPLE / "ky_anh_2021"
NGHE_AN = SAMPLE / "nghe_an_2023"

VI_HEADERS = [
    "Ngày",
    "Tỉnh",
    "Huyện",
    "Xã",
    "Mã xã",
    "Số công dân đủ điều kiện",
    "Lũy kế thu nhận",
    "Thu nhận trong ngày",
    "Lũy kế trả thẻ",
]
EN_HEADERS = [
    "date",
    "province",
    "district",
    "commune",
    "commune_code",
    "eligible",
    "collected",
    "collected_day",
    "returned",
]


def _load_generator():
    spec = importlib.util.spec_from_file_location("sample_data_generate", SAMPLE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


generate = _load_generator()


@pytest.fixture(scope="module")
def ky_anh() -> pd.DataFrame:
    frame = pd.read_csv(KY_ANH / "observations.csv", dtype={"Mã xã": str}, encoding="utf-8")
    assert list(frame.columns) == VI_HEADERS
    frame.columns = EN_HEADERS
    frame["date"] = pd.to_datetime(frame["date"], format="%d/%m/%Y")
    return frame


@pytest.fixture(scope="module")
def nghe_an() -> pd.DataFrame:
    frame = pd.read_csv(NGHE_AN / "observations.csv", dtype={"commune_code": str}, encoding="utf-8")
    assert list(frame.columns) == EN_HEADERS
    frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
    return frame


@pytest.fixture(scope="module")
def datasets(ky_anh, nghe_an) -> dict[str, pd.DataFrame]:
    return {"ky_anh_2021": ky_anh, "nghe_an_2023": nghe_an}


def _snapshot(frame: pd.DataFrame, day) -> pd.DataFrame:
    upto = frame[frame["date"] <= pd.Timestamp(day)]
    return upto.sort_values(["commune_code", "date"]).groupby("commune_code").tail(1)


def _documented_glitches() -> list[dict]:
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if re.match(r"\|\s*(ky_anh_2021|nghe_an_2023)\s*\|", line):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows.append(dict(zip(["dataset", "kind", "commune_code", "commune", "date", "detail"], cells)))
    return rows


# -- published figures and shape ------------------------------------------------------


def test_ky_anh_total_on_15_03_2021_is_the_press_figure_4843(ky_anh):
    on_day = ky_anh[ky_anh["date"] == "2021-03-15"]
    assert len(on_day) == 20
    assert on_day["collected"].sum() == 4843


def test_ky_anh_has_its_20_communes_with_registry_names(ky_anh):
    registry = pd.read_csv(generate.ADMIN_DIR / "ky_anh_2021_communes.csv", dtype=str)
    pairs = set(zip(ky_anh["commune_code"], ky_anh["commune"]))
    assert pairs == set(zip(registry["commune_code"], registry["commune_name"]))
    assert set(ky_anh["province"]) == {"Tỉnh Hà Tĩnh"}
    assert set(ky_anh["district"]) == {"Huyện Kỳ Anh"}
    assert all(len(code) == 5 for code in ky_anh["commune_code"])


def test_nghe_an_has_all_460_communes_of_21_districts(nghe_an):
    assert nghe_an["commune_code"].nunique() == 460
    assert nghe_an["district"].nunique() == 21
    assert set(nghe_an["province"]) == {"Tỉnh Nghệ An"}
    assert nghe_an["date"].min() == pd.Timestamp("2023-04-20")
    assert nghe_an["date"].max() == pd.Timestamp("2023-06-15")


def test_ky_anh_outcome_is_still_open_on_the_last_day(ky_anh):
    last = ky_anh["date"].max()
    cum = _snapshot(ky_anh, last)["collected"].sum()
    week_ago = _snapshot(ky_anh, last - pd.Timedelta(days=7))["collected"].sum()
    pace = (cum - week_ago) / 7
    required = (87000 - cum) / (pd.Timestamp("2021-06-10") - last).days
    assert 0.9 * required < pace < required


def test_nghe_an_coverage_rises_to_about_ninety_percent_or_more(nghe_an):
    def coverage(day):
        snap = _snapshot(nghe_an, day)
        return snap["collected"].sum() / snap["eligible"].sum()

    assert 0.55 < coverage("2023-04-20") < 0.70
    assert 0.90 <= coverage("2023-06-15") <= 0.95


def test_some_border_communes_meet_the_30_05_milestone_and_some_do_not(nghe_an):
    districts = pd.read_csv(generate.ADMIN_DIR / "nghe_an_2023_districts.csv", dtype=str)
    border = set(districts.loc[districts["borders_laos"] == "yes", "district_name"])
    snap = _snapshot(nghe_an, "2023-05-30")
    snap = snap[snap["district"].isin(border)]
    done = snap["collected"] >= snap["eligible"]
    assert len(snap) == 123
    assert 0 < done.sum() < len(snap)


# -- import rules ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ky_anh_2021", "nghe_an_2023"])
def test_cumulatives_never_decrease_per_commune(datasets, name):
    frame = datasets[name].sort_values(["commune_code", "date"])
    by_commune = frame.groupby("commune_code")
    assert (by_commune["collected"].diff().dropna() >= 0).all()
    assert (by_commune["returned"].diff().dropna() >= 0).all()


@pytest.mark.parametrize("name", ["ky_anh_2021", "nghe_an_2023"])
def test_rows_are_unique_and_never_negative(datasets, name):
    frame = datasets[name]
    assert not frame.duplicated(["commune_code", "date"]).any()
    numbers = frame[["eligible", "collected", "collected_day", "returned"]]
    assert (numbers >= 0).all().all()


@pytest.mark.parametrize("name", ["ky_anh_2021", "nghe_an_2023"])
def test_collected_day_is_the_difference_from_the_previous_report(datasets, name):
    frame = datasets[name].sort_values(["commune_code", "date"])
    diff = frame.groupby("commune_code")["collected"].diff()
    later = diff.notna()
    assert (diff[later] == frame.loc[later, "collected_day"]).all()
    first = frame[~later]
    assert (first["collected_day"] <= first["collected"]).all()


@pytest.mark.parametrize("name", ["ky_anh_2021", "nghe_an_2023"])
def test_some_reports_are_missing_but_not_many(datasets, name):
    frame = datasets[name]
    full = frame["commune_code"].nunique() * frame["date"].nunique()
    assert 0.015 < 1 - len(frame) / full < 0.04


@pytest.mark.parametrize("name", ["ky_anh_2021", "nghe_an_2023"])
def test_returned_exceeds_collected_only_in_the_documented_glitch(datasets, name):
    frame = datasets[name]
    over = frame[frame["returned"] > frame["collected"]]
    documented = {
        (g["commune_code"], pd.Timestamp(g["date"]))
        for g in _documented_glitches()
        if g["dataset"] == name and g["kind"] == "returned_exceeds_collected"
    }
    assert set(zip(over["commune_code"], over["date"])) == documented


# -- documented glitches ---------------------------------------------------------------


def test_readme_documents_each_kind_of_glitch_for_both_datasets():
    kinds = {(g["dataset"], g["kind"]) for g in _documented_glitches()}
    for name in ("ky_anh_2021", "nghe_an_2023"):
        for kind in ("eligible_understated", "returned_exceeds_collected", "spike_day", "reporting_gap"):
            assert (name, kind) in kinds


@pytest.mark.parametrize("glitch", _documented_glitches(), ids=lambda g: f"{g['dataset']}-{g['kind']}")
def test_documented_glitch_is_present(datasets, glitch):
    frame = datasets[glitch["dataset"]]
    rows = frame[frame["commune_code"] == glitch["commune_code"]].sort_values("date")
    assert set(rows["commune"]) == {glitch["commune"]}
    kind = glitch["kind"]
    if kind == "reporting_gap":
        first, last = (pd.Timestamp(d) for d in glitch["date"].split(".."))
        assert rows["date"].between(first, last).sum() == 0
        assert (last - first).days + 1 >= 4
        assert (rows["date"] == first - pd.Timedelta(days=1)).any()
        assert (rows["date"] == last + pd.Timedelta(days=1)).any()
        return
    day = pd.Timestamp(glitch["date"])
    row = rows[rows["date"] == day].iloc[0]
    if kind == "eligible_understated":
        assert row["collected"] > row["eligible"]
        assert rows["eligible"].nunique() == 1
        registry_file = (
            "ky_anh_2021_communes.csv" if glitch["dataset"] == "ky_anh_2021" else "nghe_an_2023_communes.csv"
        )
        registry = pd.read_csv(generate.ADMIN_DIR / registry_file, dtype=str).set_index("commune_code")
        entry = registry.loc[glitch["commune_code"]]
        estimate = generate.eligible_population(int(entry["population_2019_census"]), entry["district_code"])
        assert row["eligible"] < 0.9 * estimate
    elif kind == "returned_exceeds_collected":
        assert row["returned"] > row["collected"]
    elif kind == "spike_day":
        week = rows[(rows["date"] < day) & (rows["date"] >= day - pd.Timedelta(days=7))]
        normal = week["collected_day"].median()
        assert 4.5 * normal <= row["collected_day"] <= 7.5 * normal
    else:
        pytest.fail(f"unknown glitch kind {kind!r}")


def test_glitch_constants_match_the_readme():
    documented = {(g["dataset"], g["kind"]): g for g in _documented_glitches()}
    for name, glitches in (
        ("ky_anh_2021", generate.KY_ANH_GLITCHES),
        ("nghe_an_2023", generate.NGHE_AN_GLITCHES),
    ):
        assert documented[(name, "eligible_understated")]["commune_code"] == glitches.understated_code
        assert documented[(name, "returned_exceeds_collected")]["commune_code"] == glitches.returned_over_code
        spike = documented[(name, "spike_day")]
        assert (spike["commune_code"], spike["date"]) == (glitches.spike_code, glitches.spike_day.isoformat())
        gap = documented[(name, "reporting_gap")]
        assert gap["commune_code"] == glitches.gap_code
        assert gap["date"] == f"{glitches.gap_first.isoformat()}..{glitches.gap_last.isoformat()}"


# -- report spreadsheets ---------------------------------------------------------------


def _number(value) -> int:
    if isinstance(value, str):
        return int(value.replace(".", ""))
    return int(value)


def _report_rows(path: Path) -> list[tuple]:
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    return [row for row in sheet.iter_rows(values_only=True)]


REPORTS = sorted((KY_ANH / "reports").glob("*.xlsx")) + sorted((NGHE_AN / "reports").glob("*.xlsx"))


def test_report_files_exist_for_the_chosen_dates():
    names = {p.name for p in REPORTS}
    assert {
        f"bao_cao_ngay_{d}.xlsx"
        for d in (
            "26_02_2021",
            "15_03_2021",
            "15_04_2021",
            "15_05_2021",
            "20_04_2023",
            "30_05_2023",
            "15_06_2023",
        )
    } == names


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: f"{p.parent.parent.name}-{p.stem}")
def test_report_totals_equal_the_canonical_sums_on_their_date(datasets, path):
    name = path.parent.parent.name
    day = pd.Timestamp(pd.to_datetime(path.stem.removeprefix("bao_cao_ngay_"), format="%d_%m_%Y"))
    on_day = datasets[name][datasets[name]["date"] == day]
    rows = _report_rows(path)
    label = "Tổng cộng" if name == "ky_anh_2021" else "Toàn tỉnh"
    total = next(r for r in rows if r[0] == label)
    assert _number(total[2]) == on_day["eligible"].sum()
    assert _number(total[3]) == on_day["collected_day"].sum()
    assert _number(total[4]) == on_day["collected"].sum()
    assert _number(total[6]) == on_day["returned"].sum()
    assert f"Số liệu tính đến 17 giờ 00 ngày {day:%d/%m/%Y}" in [r[0] for r in rows]

    communes = [r for r in rows if isinstance(r[0], int) and isinstance(r[1], str)]
    assert len(communes) == len(on_day)
    assert sum(_number(r[4]) for r in communes) == on_day["collected"].sum()
    assert sum(_number(r[3]) for r in communes) == on_day["collected_day"].sum()
    if name == "nghe_an_2023":
        districts = [r for r in rows if isinstance(r[0], str) and re.fullmatch(r"[IVXL]+", r[0])]
        assert len(districts) == 21
        assert sum(_number(r[4]) for r in districts) == on_day["collected"].sum()
        assert all(r[1] == r[1].upper() for r in districts)


def test_one_ky_anh_report_stores_counts_as_dotted_text():
    rows = _report_rows(KY_ANH / "reports" / "bao_cao_ngay_15_04_2021.xlsx")
    texts = [v for r in rows for v in r[2:] if isinstance(v, str) and re.fullmatch(r"\d{1,3}(\.\d{3})+", v)]
    assert len(texts) > 20


def test_report_layout_has_letterhead_title_merged_header_and_footer():
    sheet = openpyxl.load_workbook(KY_ANH / "reports" / "bao_cao_ngay_15_03_2021.xlsx").worksheets[0]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A8:A9", "D8:E8", "F8:F9"} <= merged
    values = [v for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    for text in (
        "CÔNG AN HUYỆN KỲ ANH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CẤP CĂN CƯỚC CÔNG DÂN",
        "Kết quả thu nhận hồ sơ",
        "Trong ngày",
        "Lũy kế",
        "Tỷ lệ (%)",
        "Đã trả thẻ",
        "Người lập biểu",
        "TRƯỞNG CÔNG AN HUYỆN",
    ):
        assert text in values
    assert [sheet.cell(10, c).value for c in range(1, 8)] == [1, 2, 3, 4, 5, 6, 7]


# -- campaigns, sizes, determinism -----------------------------------------------------


def test_campaign_files_follow_the_schema():
    na = tomllib.loads((NGHE_AN / "campaign.toml").read_text(encoding="utf-8"))
    assert na["name"] == "Cao điểm 70 ngày, đêm — Nghệ An 2023"
    assert (na["start"], na["deadline"], na["target"]) == (date(2023, 4, 20), date(2023, 6, 30), "100%")
    assert na["scope"] == ["Tỉnh Nghệ An"]
    border, model = na["milestones"]
    assert border == {
        "name": "Xã biên giới",
        "tag": "biên giới",
        "deadline": date(2023, 5, 30),
        "target": "100%",
    }
    assert model["name"] == "Xã điểm, kiểu mẫu" and model["deadline"] == date(2023, 5, 30)
    assert 6 <= len(model["units"]) <= 10
    registry = pd.read_csv(generate.ADMIN_DIR / "nghe_an_2023_communes.csv", dtype=str)
    assert set(model["units"]) <= set(registry["commune_code"])

    assert [g["name"] for g in na["group_targets"]] == [
        "Học sinh lớp 12 xong trước 20/6",
        "Người cao tuổi và người có công trước 30/5",
        f"Tổ lưu động: {na['group_targets'][2]['per_week']:,} hồ sơ mỗi tuần".replace(",", "."),
    ]

    ka = tomllib.loads((KY_ANH / "campaign.toml").read_text(encoding="utf-8"))
    calendar = ka.pop("calendar")
    assert [g["values"] for g in ka.pop("group_targets")] == [
        ["Học sinh lớp 12"],
        ["Người cao tuổi", "Người có công"],
    ]
    assert calendar["sunday_weight"] == 0.7 and len(calendar["days"]) == 5
    assert ka == {
        "name": "Huyện Kỳ Anh — 87.000 thẻ CCCD trước 10/6/2021",
        "start": date(2021, 2, 17),
        "deadline": date(2021, 6, 10),
        "target": 87000,
        "scope": ["Huyện Kỳ Anh"],
    }


def test_eligible_is_the_census_population_times_the_documented_share():
    assert generate.ELIGIBLE_SHARE == 0.772
    assert generate.eligible_population(10000, "447") == 7720
    assert generate.eligible_population(10000, "417") == 7200  # Kỳ Sơn: mountain district


def test_every_output_file_is_under_3_mb():
    for path in SAMPLE.rglob("*"):
        if path.is_file():
            assert path.stat().st_size < 3_000_000, path


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_regeneration_is_byte_identical_and_matches_the_committed_files(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    generate.main(["--out", str(first), "--quiet"])
    generate.main(["--out", str(second), "--quiet"])
    one, two = _tree(first), _tree(second)
    assert one.keys() == two.keys()
    assert all(one[k] == two[k] for k in one)
    committed = {k: v for k, v in _tree(SAMPLE).items() if k.startswith(("ky_anh_2021", "nghe_an_2023"))}
    assert committed.keys() == one.keys()
    stale = [k for k in one if committed[k] != one[k]]
    assert not stale, f"sample_data is stale, re-run sample_data/generate.py: {stale}"
