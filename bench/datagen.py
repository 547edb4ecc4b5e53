"""Synthetic data at three scales, and per-record exports, for the benchmarks.

    python bench/datagen.py [--out bench/out/data] [--quick]

Scales (120 days each, from 1/3/2023; one row per commune and day, ~2% of reports
missing, Sundays slower, cumulative figures that never fall):

* ``district`` — Huyện Kỳ Anh, its 20 communes (the registry's own units);
* ``province`` — Tỉnh Nghệ An, its 460 communes (the registry's own units);
* ``nation``   — 10,050 communes in 63 provinces and 705 districts.  Nghệ An keeps its
  460 real communes; every other unit is generated (plausible names from Vietnamese
  syllables, unique within a district; codes in ranges GSO does not use for
  Nghệ An/Hà Tĩnh), so about 9,600 communes are *not* in the shipped registry and go
  through the "unofficial unit" path of the importer.

Per-record exports (one row per application, with the personal columns a real export
has: Số hồ sơ, Họ và tên, Ngày sinh, Số CMND/CCCD, Số điện thoại …) are written with
pyarrow in chunks, so a 10M-row file (about 1.6 GB) takes well under a minute and
little memory.  Everything goes to ``bench/out/`` (git-ignored) or a folder given;
nothing here is ever committed.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
VN_ADMIN = ROOT / "cccd_analytics" / "data" / "vn_admin"

from cccd_analytics.registry import COUNTRY_PROVINCES  # noqa: E402 - after the path above

FIRST_DAY = date(2023, 3, 1)
DAYS = 120
DEADLINE = FIRST_DAY + timedelta(days=150)

# The 63 provinces before 1/7/2025 (Nghệ An gets its real communes), in the registry's
# order: Thành phố Huế is Thừa Thiên Huế's name from 2025, not a 64th province.
PROVINCES = [name for name in COUNTRY_PROVINCES if name != "Thành phố Huế"]
SYLLABLES = (
    "An Bình Hòa Phú Thạnh Tân Long Hưng Đông Tây Nam Bắc Trung Thượng Hạ Sơn Hải Lâm Thủy "
    "Minh Quang Đức Thành Phước Lộc Thọ Khánh Xuân Hồng Hà Vĩnh Nghĩa Trường Mỹ Hiệp Định "
    "Cát Điền Yên Lạc Châu Giang Kim Ngọc Thanh Hợp Tiến Liên Phong Tường Thiện Hải Đồng "
    "Sen Tùng Quý Vân Hiền Thái Lương Hoàng Cẩm Bảo Tú Diên Gia Kỳ Thắng Lợi Hậu Văn Chánh"
).split()

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Ngọc", "Quang", "Thanh", "Hữu", "Xuân")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Hà", "Hùng", "Lan", "Long", "Mai", "Nam", "Phúc", "Tâm", "Yến")
STATUSES = ("Đã trả thẻ", "Đang sản xuất", "Chờ trả thẻ", "Đã thu nhận", "Trả thẻ cho công dân")
RECORD_HEADER = [
    "STT",
    "Số hồ sơ",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số CMND/CCCD",
    "Số điện thoại",
    "Xã/Phường thường trú",
    "Huyện",
    "Tỉnh",
    "Ngày thu nhận",
    "Trạng thái",
]


@dataclass(frozen=True)
class Scale:
    name: str
    communes: pd.DataFrame  # province, district, commune, commune_code, eligible (one row per commune)
    days: int = DAYS


# -- units ------------------------------------------------------------------------------


def _registry_communes(file_name: str, district: str | None = None) -> pd.DataFrame:
    frame = pd.read_csv(VN_ADMIN / file_name, dtype=str, keep_default_na=False)
    if district:
        frame = frame[frame["district_name"] == district]
    pop = pd.to_numeric(frame["population_2019_census"])
    return pd.DataFrame(
        {
            "province": frame["province_name"],
            "district": frame["district_name"],
            "commune": frame["commune_name"],
            "commune_code": frame["commune_code"],
            "eligible": (pop * 0.772).round().astype(int),
        }
    ).reset_index(drop=True)


def district_units() -> pd.DataFrame:
    return _registry_communes("ky_anh_2021_communes.csv", "Huyện Kỳ Anh")


def province_units() -> pd.DataFrame:
    return _registry_communes("nghe_an_2023_communes.csv")


def _name(rng: np.random.Generator, taken: set[str], words: int = 2) -> str:
    """A name not yet used in its district, even ignoring diacritics: the importer keys
    units outside the registry by their folded names, so "Phong Thành" and "Phong
    Thạnh" of one district would be one unit (noted in docs/performance.md)."""
    from cccd_analytics.text import fold

    while True:
        name = " ".join(rng.choice(SYLLABLES, words, replace=False))
        if fold(name) not in taken:
            taken.add(fold(name))
            return name


def nation_units(communes: int = 10_050, seed: int = 7) -> pd.DataFrame:
    """10,050 communes: Nghệ An's 460 real ones, the rest generated per province/district."""
    rng = np.random.default_rng(seed)
    real = province_units()
    others = [p for p in PROVINCES if p != "Tỉnh Nghệ An"]
    left = communes - len(real)
    # Provinces differ in size: 60–290 communes, summing to what is left.
    weights = rng.uniform(0.4, 1.9, len(others))
    per_province = np.floor(weights / weights.sum() * left).astype(int)
    per_province[: left - per_province.sum()] += 1
    rows = []
    code = 1
    district_code = 1
    for province, count in zip(others, per_province):
        districts = max(3, int(round(count / 14)))
        sizes = np.full(districts, count // districts)
        sizes[: count - sizes.sum()] += 1
        taken_d: set[str] = set()
        for size in sizes:
            kind = rng.choice(["Huyện", "Huyện", "Huyện", "Thị xã", "Thành phố"])
            district = f"{kind} {_name(rng, taken_d)}"
            district_code += 1
            taken_c: set[str] = set()
            for _ in range(size):
                if 16_600 <= code <= 18_999:  # codes GSO gives Nghệ An and Hà Tĩnh
                    code = 19_000
                kind_c = rng.choice(["Xã"] * 17 + ["Phường"] * 2 + ["Thị trấn"])
                rows.append(
                    (
                        province,
                        district,
                        f"{kind_c} {_name(rng, taken_c)}",
                        f"{code:05d}",
                        int(np.clip(rng.lognormal(np.log(7_000), 0.55), 1_200, 60_000)),
                    )
                )
                code += 1
    synthetic = pd.DataFrame(rows, columns=["province", "district", "commune", "commune_code", "eligible"])
    return pd.concat([real, synthetic], ignore_index=True)


def scale(name: str) -> Scale:
    units = {"district": district_units, "province": province_units, "nation": nation_units}[name]()
    return Scale(name, units)


# -- one row per commune and day ----------------------------------------------------------


def canonical_frame(
    units: pd.DataFrame, days: int = DAYS, seed: int = 1, missing: float = 0.02
) -> pd.DataFrame:
    """Commune × day rows: date, province, district, commune, commune_code, eligible,
    collected (cumulative), returned (cumulative).  Coverage starts at 20–50 % (earlier
    work) and saturates towards 90–100 %; Sundays run at 70 %; ~2 % of reports are
    missing (a later report covers the gap); cards come back after 14–20 days."""
    rng = np.random.default_rng(seed)
    n = len(units)
    eligible = units["eligible"].to_numpy(float)
    start = rng.uniform(0.2, 0.5, n)
    ceiling = rng.uniform(0.9, 1.02, n)
    speed = rng.uniform(0.008, 0.03, n)
    t = np.arange(days)[:, None]
    dates = pd.date_range(FIRST_DAY, periods=days, freq="D")
    coverage = start + (ceiling - start) * (1 - np.exp(-speed * t))
    daily = np.diff(coverage * eligible, axis=0, prepend=np.zeros((1, n)))
    daily[1:] *= rng.lognormal(0, 0.25, (days - 1, n))
    daily[np.flatnonzero(dates.day_of_week == 6)] *= 0.7
    collected = np.cumsum(np.round(daily), axis=0).astype(np.int64)
    lag = rng.integers(14, 21, n)
    rows = np.clip(np.arange(days)[:, None] - lag[None, :], 0, None)
    returned = (collected[rows, np.arange(n)] * 0.97).astype(np.int64)
    returned = np.minimum(np.maximum.accumulate(returned, axis=0), collected)
    keep = rng.random((days, n)) >= missing
    keep[0] = keep[-1] = True
    d_idx, u_idx = np.nonzero(keep)
    return pd.DataFrame(
        {
            "date": dates[d_idx].strftime("%d/%m/%Y"),
            "province": units["province"].to_numpy()[u_idx],
            "district": units["district"].to_numpy()[u_idx],
            "commune": units["commune"].to_numpy()[u_idx],
            "commune_code": units["commune_code"].to_numpy()[u_idx],
            "eligible": units["eligible"].to_numpy()[u_idx],
            "collected": collected[d_idx, u_idx],
            "returned": returned[d_idx, u_idx],
        }
    )


VN_HEADERS = {
    "date": "Ngày",
    "province": "Tỉnh",
    "district": "Huyện",
    "commune": "Xã/Phường/Thị trấn",
    "commune_code": "Mã xã",
    "eligible": "Số công dân đủ điều kiện",
    "collected": "Lũy kế thu nhận",
    "returned": "Lũy kế trả thẻ",
}


def write_canonical_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.rename(columns=VN_HEADERS).to_csv(path, index=False)
    return path


def write_per_province(frame: pd.DataFrame, folder: Path) -> list[Path]:
    """One canonical CSV per province (as each province's police would send it)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, (_province, part) in enumerate(frame.groupby("province", sort=False), start=1):
        paths.append(write_canonical_csv(part, folder / f"tinh_{number:02d}.csv"))
    return paths


def write_canonical_xlsx(frame: pd.DataFrame, path: Path) -> Path:
    """An .xlsx of one sheet (Vietnamese headers, numbers as numbers) written with
    openpyxl's write-only mode, as Excel or an export tool would save it."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Số liệu")
    sheet.append([VN_HEADERS[c] for c in frame.columns])
    for row in frame.itertuples(index=False):
        sheet.append([int(v) if isinstance(v, (np.integer,)) else v for v in row])
    book.save(path)
    return path


def campaign_toml(name: str, scope: list[str] | None = None) -> dict:
    definition = {
        "name": name,
        "start": FIRST_DAY.isoformat(),
        "deadline": DEADLINE.isoformat(),
        "target": "100%",
        "calendar": {"sunday_weight": 0.7},
    }
    if scope:
        definition["scope"] = scope
    return definition


# -- per-record exports --------------------------------------------------------------------


def write_records_csv(
    path: Path, rows: int, units: pd.DataFrame, days: int = 75, seed: int = 1, chunk: int = 1_000_000
) -> Path:
    """A per-record export of `rows` applications over `units` and `days` days (UTF-8).

    Vectorised: every column is drawn with numpy and written by pyarrow's CSV writer
    chunk by chunk (no value needs quoting), so memory stays at one chunk."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    names = np.array([f"{s} {m} {g}" for s in SURNAMES for m in MIDDLE for g in GIVEN])
    births = np.array(
        [
            f"{d:02d}/{m:02d}/{y}"
            for y in range(1940, 2010)
            for m in range(1, 13)
            for d in (1, 5, 9, 13, 17, 21, 25, 28)
        ]
    )
    stamps = np.array(
        [
            f"{(FIRST_DAY + timedelta(days=d)):%d/%m/%Y} {h:02d}:{mi:02d}"
            for d in range(days)
            for h in range(7, 22)
            for mi in range(0, 60, 3)
        ]
    )
    per_day = len(stamps) // days
    weight = units["eligible"].to_numpy(float)
    weight = weight / weight.sum()
    commune = units["commune"].to_numpy(object)
    district = units["district"].to_numpy(object)
    province = units["province"].to_numpy(object)
    options = pacsv.WriteOptions(include_header=True, quoting_style="none")
    written = 0
    with pacsv.CSVWriter(
        path, pa.schema([(h, pa.string()) for h in RECORD_HEADER]), write_options=options
    ) as out:
        while written < rows:
            n = min(chunk, rows - written)
            stt = np.arange(written + 1, written + n + 1)
            unit = rng.choice(len(units), n, p=weight)
            day = np.minimum(days - 1, (rng.random(n) ** 0.8 * days).astype(int))
            stamp = day * per_day + rng.integers(0, per_day, n)
            ident = rng.integers(10**10, 10**11, n)
            phone = rng.integers(10**7, 10**8, n)
            gender = np.where(stt % 2 == 1, "Nam", "Nữ")

            def text(values) -> pa.Array:
                return pa.array(np.asarray(values, dtype=object), type=pa.string())

            import pyarrow.compute as pc

            batch = pa.record_batch(
                [
                    pc.cast(pa.array(stt), pa.string()),
                    pc.binary_join_element_wise(
                        "HS", pc.utf8_lpad(pc.cast(pa.array(stt), pa.string()), 9, "0"), ""
                    ),
                    text(names[rng.integers(0, len(names), n)]),
                    text(births[rng.integers(0, len(births), n)]),
                    text(gender),
                    pc.binary_join_element_wise("0", pc.cast(pa.array(ident), pa.string()), ""),
                    pc.binary_join_element_wise("09", pc.cast(pa.array(phone), pa.string()), ""),
                    text(commune[unit]),
                    text(district[unit]),
                    text(province[unit]),
                    text(stamps[stamp]),
                    text(np.array(STATUSES, dtype=object)[rng.integers(0, len(STATUSES), n)]),
                ],
                names=RECORD_HEADER,
            )
            out.write_batch(batch)
            written += n
    return path


#: Bump when the generator changes, so cached files in bench/out/data are rebuilt.
VERSION = 2


def prepare(out: Path, quick: bool = False, log=print, only: set[str] | None = None) -> dict:
    """Write (or reuse) every input of bench/run_all.py; return where they are.

    Full: the three scales (nation as one canonical CSV per province), per-record exports
    of 1M and 10M rows (Nghệ An's 460 communes; 75 and 120 days) and a 100,000-row xlsx
    (the first 100,000 commune-days of the nation: 10,050 communes, most outside the
    registry).  Quick: district and province, a 200,000-row export, a 20,000-row xlsx.
    """
    import json

    out.mkdir(parents=True, exist_ok=True)
    stamp = out / "VERSION"
    if not stamp.exists() or stamp.read_text().strip() != str(VERSION):
        for item in out.rglob("*"):
            if item.is_file():
                item.unlink()
        stamp.write_text(str(VERSION))
    manifest: dict = {"scales": {}, "records": {}, "xlsx": None}
    border = [
        {
            "name": "Xã biên giới",
            "tag": "biên giới",
            "deadline": (FIRST_DAY + timedelta(days=105)).isoformat(),
            "target": "100%",
        }
    ]
    for name in ("district", "province") + (() if quick else ("nation",)):
        if only is not None and name not in only:
            continue
        sc = scale(name)
        folder = out / name
        done = folder / "done.json"
        if not done.exists():
            started = time.perf_counter()
            frame = canonical_frame(sc.communes)
            folder.mkdir(parents=True, exist_ok=True)
            files = (
                write_per_province(frame, folder)
                if name == "nation"
                else [write_canonical_csv(frame, folder / f"{name}.csv")]
            )
            done.write_text(json.dumps({"rows": len(frame), "files": [f.name for f in files]}))
            log(
                f"  generated {name}: {len(sc.communes):,} communes × {DAYS} days, {len(frame):,} rows, "
                f"{len(files)} file(s) in {time.perf_counter() - started:.1f} s"
            )
        info = json.loads(done.read_text())
        campaign = campaign_toml(f"Chiến dịch thử tải — {name}")
        if name != "district":
            campaign["milestones"] = border
        manifest["scales"][name] = {
            "files": [str(folder / f) for f in info["files"]],
            "rows": info["rows"],
            "communes": len(sc.communes),
            "campaign": campaign,
        }
    if only is not None and not only & {"records", "xlsx"}:
        return manifest
    province = province_units()
    for rows, days in ((200_000, 75),) if quick else ((1_000_000, 75), (10_000_000, 120)):
        if only is not None and "records" not in only:
            break
        path = out / f"records_{rows}.csv"
        if not path.exists():
            started = time.perf_counter()
            write_records_csv(path.with_suffix(".tmp"), rows, province, days=days)
            path.with_suffix(".tmp").rename(path)
            log(
                f"  generated a per-record export of {rows:,} rows ({path.stat().st_size / 2**20:,.0f} MiB) "
                f"in {time.perf_counter() - started:.1f} s"
            )
        manifest["records"][rows] = str(path)
    if only is not None and "xlsx" not in only:
        return manifest
    rows = 20_000 if quick else 100_000
    path = out / f"canonical_{rows}.xlsx"
    if not path.exists():
        started = time.perf_counter()
        units = nation_units() if not quick else province_units()
        write_canonical_xlsx(canonical_frame(units).iloc[:rows], path)
        log(f"  generated an xlsx of {rows:,} commune-days in {time.perf_counter() - started:.1f} s")
    manifest["xlsx"] = str(path)
    manifest["xlsx_rows"] = rows
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT / "data")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--manifest", action="store_true", help="end with the manifest as one JSON line")
    ap.add_argument(
        "--only",
        help="a comma-separated subset of district,province,nation,records,xlsx (default: all of them)",
    )
    args = ap.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    manifest = prepare(args.out, args.quick, log=lambda text: print(text, flush=True), only=only)
    if args.manifest:
        import json

        print(json.dumps(manifest, default=str))
        return 0
    for name, info in manifest["scales"].items():
        print(f"{name}: {info['communes']:,} communes, {info['rows']:,} rows in {len(info['files'])} file(s)")
    for rows, path in manifest["records"].items():
        print(f"records: {rows:,} rows → {path}")
    if manifest["xlsx"]:
        print(f"xlsx: {manifest['xlsx_rows']:,} rows → {manifest['xlsx']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
