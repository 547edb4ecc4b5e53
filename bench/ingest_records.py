"""Ingest a per-record export of 1,000,000 applications: wall time and peak memory.

    python bench/ingest_records.py [--rows 1000000] [--encoding utf-8|utf-16|cp1258] [--keep]

Writes a synthetic export (Số hồ sơ, Họ và tên, Ngày sinh, Số CMND/CCCD, Xã/Phường
thường trú, Huyện, Tỉnh, Ngày thu nhận, Trạng thái …) over the 460 communes of Nghệ An
and 75 days into a temporary folder, then imports it into a fresh SQLite store in a
new process and prints the wall time and the peak resident memory (ru_maxrss) of
that process.  Never fails on time.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Ngọc", "Quang", "Thanh", "Hữu", "Xuân")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Hà", "Hùng", "Lan", "Long", "Mai", "Nam", "Phúc", "Tâm", "Yến")
STATUSES = ("Đã trả thẻ", "Đang sản xuất", "Chờ trả thẻ", "Đã thu nhận", "Trả thẻ cho công dân")


def write_export(path: Path, rows: int, encoding: str, seed: int = 1) -> None:
    import pandas as pd

    communes = pd.read_csv(ROOT / "cccd_analytics/data/vn_admin/nghe_an_2023_communes.csv", dtype=str)
    places = [f"{c.commune_name},{c.district_name},{c.province_name}" for c in communes.itertuples()]
    rng = random.Random(seed)
    first = date(2023, 4, 20)
    days = [(first + timedelta(days=i)).strftime("%d/%m/%Y") for i in range(75)]
    header = (
        "STT,Số hồ sơ,Họ và tên,Ngày sinh,Giới tính,Số CMND/CCCD,Số điện thoại,"
        "Xã/Phường thường trú,Huyện,Tỉnh,Ngày thu nhận,Trạng thái\n"
    )
    from cccd_analytics.ingest import legacy_text

    def encode(text: str) -> bytes:
        # Python's cp1258 codec cannot write precomposed letters; Windows writes
        # the base letter and a combining tone byte.
        return legacy_text._to_cp1258(text) if encoding == "cp1258" else text.encode(encoding)

    with open(path, "wb") as raw:
        out = type("Out", (), {"write": lambda self, text: raw.write(encode(text))})()
        if encoding == "utf-16":
            raw.write(b"\xff\xfe")
            encoding = "utf-16-le"
        out.write(header)
        batch = []
        for n in range(1, rows + 1):
            day = days[min(74, int(rng.random() ** 0.8 * 75))]
            batch.append(
                f"{n},HS{n:09d},{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)},"
                f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1940, 2009)},"
                f"{'Nam' if n % 2 else 'Nữ'},0{rng.randint(10**10, 10**11 - 1)},09{rng.randint(10**7, 10**8 - 1)},"
                f"{rng.choice(places)},{day} {rng.randint(7, 21):02d}:{rng.randint(0, 59):02d},"
                f"{rng.choice(STATUSES)}\n"
            )
            if len(batch) == 50_000:
                out.write("".join(batch))
                batch = []
        out.write("".join(batch))


MEASURE = """
import resource, sys, time
sys.path.insert(0, {root!r})
from cccd_analytics import ingest
from cccd_analytics.store import Store
store = Store.open({url!r})
started = time.perf_counter()
report = ingest.import_file(store, {path!r})
wall = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{{report.status}} {{wall:.2f}} {{peak:.0f}} {{report.rows_read}} {{report.units_read}} "
      f"{{len(report.dates)}}")
if report.status != "imported":
    print(report.message)
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--encoding", default="utf-8", help="utf-8 (default), utf-16, cp1258")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="cccd_bench_"))
    path = folder / "ho_so_xuat.csv"
    started = time.perf_counter()
    write_export(path, args.rows, args.encoding)
    print(
        f"export: {args.rows:,} rows, {path.stat().st_size / 2**20:.0f} MiB ({args.encoding}), "
        f"written in {time.perf_counter() - started:.1f} s"
    )
    script = MEASURE.format(root=str(ROOT), url=f"sqlite:///{folder / 'bench.sqlite'}", path=str(path))
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    if run.returncode:
        print(run.stderr[-3000:])
        return 1
    status, wall, peak, rows, units, days = run.stdout.split()[:6]
    print(f"ingest: {status}, {int(rows):,} records → {units} communes × {days} days")
    if status != "imported":
        print(run.stdout.split("\n", 1)[1])
    print(f"wall time: {float(wall):.1f} s; peak RSS of the importing process: {peak} MiB")
    if not args.keep:
        for item in folder.iterdir():
            item.unlink()
        folder.rmdir()
    else:
        print(f"kept in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
