"""Same results before and after the performance work: import reports, observations,
stored values, snapshots and data-quality findings, compared value by value.

    python bench/equivalence.py --baseline REV [--out bench/out/equivalence]

The code of git revision REV is extracted (``git archive``) and both it and this working
tree import the same files — the test corpus, the sample reports, crafted files (bad
numbers, duplicates, conflicting values, falling cumulatives against the file and against
the store, names without diacritics, unknown units, blank/short/long/quoted lines in
per-record exports, UTF-16 and a BOM, a 10 MiB export streamed from disk) — then load
the sample campaigns and compare ``Store.current_observations`` (as of several days, for
some units, after an undo) and ``metrics.snapshot`` / ``quality.findings`` /
``quality.completeness``.  Per-record exports no longer store the day's count beside the
cumulative figure: those rows of the code before are checked to be the differences of the
cumulative and then left out of the comparison (reported).  With ``CCCD_TEST_PG_URL`` set, the store comparisons run on
PostgreSQL too, in a database of their own made on that server and dropped after.  Exit status 1 when anything differs.  Not part of the test suite: it
needs the baseline's source.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# -- run in a child process, with one copy of the code on sys.path -------------------------

CHILD = r"""
import json, os, pickle, sys, datetime
root, out, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sys.path.insert(0, root)
from cccd_analytics import ingest
try:  # the packages by stage; a baseline from before them has the flat modules
    from cccd_analytics.analytics import metrics, quality, campaigns as camp
except ImportError:
    from cccd_analytics import metrics, quality, campaigns as camp
from cccd_analytics.store import Store

def reset(url):
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            try:
                os.remove(url[len("sqlite:///"):] + suffix)
            except FileNotFoundError:
                pass
    else:
        import sqlalchemy as sa
        engine = sa.create_engine(url)
        # Everything, not this code's tables: the other side's may differ (current_values
        # was a table before migration 6 and is a view since).  The database is the run's own
        # (`_scratch_database`), never the one CCCD_TEST_PG_URL names.
        with engine.begin() as conn:
            conn.exec_driver_sql('DROP SCHEMA public CASCADE')
            conn.exec_driver_sql('CREATE SCHEMA public')
        engine.dispose()

res = {}
for item in spec["imports"]:
    url = spec["url"]
    store = None
    if item.get("store"):
        reset(url)
        store = Store.open(url)
        for seed in item.get("seed", []):
            ingest.import_file(store, seed)
    report = ingest.import_file(store, item["path"], **({"limits": ingest.Limits(max_bytes=item["max_bytes"])}
                                                        if item.get("max_bytes") else {}))
    data = report.to_dict()
    obs = report.observations
    res["import:" + item["name"]] = (data, None if obs is None else (obs.astype(str).values.tolist(),
                                                                    {k: str(v) for k, v in obs.dtypes.items()}))
    if store is not None:
        res["stored:" + item["name"]] = store.current_observations()
        store.engine.dispose()

url = spec["url"]
reset(url)
store = Store.open(url)
try:
    from cccd_analytics.sample import load_sample
except ImportError:  # before the sample moved out of the command line
    from cccd_analytics.cli import load_sample
load_sample(store)
for extra in spec.get("after_sample", []):
    report = ingest.import_file(store, extra)
    if report.status == "imported" and "undo" in os.path.basename(extra):
        store.undo_upload(report.upload_id)
res["obs:all"] = store.current_observations()
res["obs:as_of"] = store.current_observations(as_of=datetime.date(2023, 5, 1))
res["obs:keys"] = store.current_observations(unit_keys=["16663", "18775", "nope", "2025:18766"])
res["obs:none"] = store.current_observations(unit_keys=["nope"])
obs, units, uploads = res["obs:all"], store.units(), store.list_uploads()
for d in store.campaign_definitions():
    c = camp.from_definition(d)
    for as_of in (None, "2023-05-15", "2021-04-20"):
        snap = metrics.snapshot(obs, units, c, as_of)
        for part in ("units", "unit_milestones", "milestones", "daily", "calendar"):
            res[f"snapshot:{c.name}:{as_of}:{part}"] = getattr(snap, part)
        res[f"findings:{c.name}:{as_of}"] = quality.findings(obs, units, c, snap.as_of, uploads=uploads)
        comp = quality.completeness(obs, units, c, snap.as_of)
        res[f"grid:{c.name}:{as_of}"] = comp.grid
        res[f"by_unit:{c.name}:{as_of}"] = comp.by_unit
        res[f"by_day:{c.name}:{as_of}"] = comp.by_day
store.engine.dispose()
pickle.dump(res, open(out, "wb"))
"""


def crafted(folder: Path) -> list[dict]:
    """Files that exercise every check and every reader path; returns the import specs."""
    folder.mkdir(parents=True, exist_ok=True)
    items = []

    def write(name: str, text: str | bytes, **spec) -> None:
        path = folder / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        items.append(dict(name=name, path=str(path), **spec))

    rows = [
        "Ngày,Huyện,Xã,Số CD đủ ĐK,Lũy kế thu nhận,Lũy kế trả thẻ",
        "15/03/2021,Huyện Kỳ Anh,Xã Kỳ Đồng,5.432,1000,800",
        "16/03/2021,Huyện Kỳ Anh,Xã Kỳ Đồng,5432,900,850",
        "15/03/2021,Huyện Kỳ Anh,Xã Kỳ Tân,4000,1200,1300",
        "15/03/2021,Huyện Kỳ Anh,Xã Kỳ Tân,4000,1200,1300",
        "15/03/2021,Huyện Kỳ Anh,Ky Lac,3000,3500,100",
        "16/03/2021,Huyện Kỳ Anh,Xã Vô Danh,3000,35,1,5",
        "16/03/2021,Huyện Kỳ Anh,Xã Kỳ Lạc,3000,-5,100",
        "17/03/2021,Huyện Kỳ Anh,Xã Kỳ Lạc,abc,12,1",
        "17/03/2021,Huyện Kỳ Anh,Xã Kỳ Phong,3000,12%,1",
        "17/03/2021,Huyện Kỳ Anh,Xã Kỳ Phong,3000,1.5,1",
        "99/03/2021,Huyện Kỳ Anh,Xã Kỳ Thư,3000,12,1",
        "18/03/2021,Huyện Kỳ Anh,Xã Kỳ Thư,3000,12,",
        "18/03/2021,,Tổng cộng,9000,100,20",
        ",,,,,",
        "18/03/2021,Huyện Kỳ Anh,Xã Kỳ Thư,3000,15,",
        "19/03/2021,Huyện Kỳ Anh,Xã Kỳ Đồng,5432,1001,900",
    ]
    write("crafted.csv", "\n".join(rows) + "\n")
    write("crafted_store.csv", "\n".join(rows) + "\n", store=True, seed=[str(folder / "seed.csv")])
    (folder / "seed.csv").write_text(
        "date,district,commune,collected,returned\n"
        "2021-03-30,Huyện Kỳ Anh,Xã Kỳ Lạc,10,5\n"
        "2021-03-10,Huyện Kỳ Anh,Xã Kỳ Tân,2000,1500\n"
    )
    write(
        "falling_store.csv",
        "date,district,commune,collected,returned\n"
        "2021-03-15,Huyện Kỳ Anh,Xã Kỳ Lạc,500,100\n2021-03-16,Huyện Kỳ Anh,Xã Kỳ Lạc,600,100\n"
        "2021-03-15,Huyện Kỳ Anh,Xã Kỳ Tân,1200,900\n2021-03-17,Huyện Kỳ Anh,Xã Kỳ Đồng,50,10\n"
        "2021-03-18,Huyện Kỳ Anh,Xã Kỳ Đồng,40,10\n",
        store=True,
        seed=[str(folder / "seed.csv")],
    )
    write(
        "ambiguous.csv",
        "Ngày,Tỉnh,Xã,Lũy kế thu nhận\n03/04/2021,Tỉnh Nghệ An,Xã Hưng Đông,100\n"
        "04/03/2021,Tỉnh Nghệ An,Xã Hưng Tây,100\n05/04/2021,,Xã Hưng Đông,120\n"
        "2025-07-05,Tỉnh Nghệ An,Xã Vinh Hưng,5\n",
    )
    import random
    from datetime import date, timedelta

    rng = random.Random(5)
    communes = [
        "Xã Kỳ Đồng",
        "Xã Kỳ Tân",
        "Xã Kỳ Lạc",
        "Xã Kỳ Phong",
        "Xã Vô Danh",
        "  Xã Kỳ Đồng  ",
        unicodedata.normalize("NFD", "Xã Kỳ Tân"),
        "Kỳ Lạc",
    ]
    statuses = ["Đã trả thẻ", "Đang sản xuất", "Chờ trả thẻ", "Trả thẻ cho công dân", "", "Đã giao thẻ"]
    head = (
        'CÔNG AN HUYỆN KỲ ANH,,,,,,,,\n\n"DANH SÁCH HỒ SƠ\nTHU NHẬN",,,,,,,,\n'
        "STT,Số hồ sơ,Họ và tên,Ngày sinh,Số CMND/CCCD,Xã/Phường thường trú,Huyện,Ngày thu nhận,Trạng thái\n"
    )

    def line(i: int, quote: bool) -> str:
        commune = rng.choice(communes) if rng.random() > 0.005 else ""
        day = date(2021, 3, 20) + timedelta(days=rng.randint(0, 20))
        text = day.strftime(rng.choice(["%d/%m/%Y", "%d/%m/%Y %H:%M", "%Y-%m-%d"]))
        if rng.random() < 0.01:
            text = rng.choice(["", "abc", "31/02/2021"])
        name = f'"Nguyễn, Văn {i}"' if quote else f"Nguyễn Văn {i}"
        return f"{i},HS{i},{name},01/01/1990,0123{i},{commune},Huyện Kỳ Anh,{text},{rng.choice(statuses)}\n"

    def export(name: str, n: int, *, blank=False, quote=False, short=False, long=False, crlf=False, **spec):
        lines = [line(i, quote and i % 7 == 0) for i in range(n)]
        if blank:
            lines.insert(n // 2, "\n")
            lines.insert(n // 3, ",,,,,,,,\n")
        if short:
            lines.insert(n // 2, "5,HS,Ten,01/01/1990,0\n")
        if long:
            lines.insert(n // 4, "5,HS,Ten,01/01/1990,0,Xã Kỳ Đồng,Huyện Kỳ Anh,21/03/2021,Đã trả thẻ,x,y\n")
        text = head + "".join(lines)
        write(name, text.replace("\n", "\r\n") if crlf else text, **spec)

    export("records.csv", 3000)
    export("records_big.csv", 120_000)  # > 8 MiB: streamed from disk (FileData)
    export("records_blank.csv", 3000, blank=True)
    export("records_quote.csv", 3000, quote=True)
    export("records_short.csv", 3000, short=True)
    export("records_long.csv", 3000, long=True)
    export("records_crlf.csv", 3000, crlf=True)
    export("records_store.csv", 20_000, store=True, seed=[str(folder / "seed.csv")])
    text = (folder / "records.csv").read_text(encoding="utf-8")
    write("records_utf16.txt", b"\xff\xfe" + text.replace(",", "\t").encode("utf-16-le"))
    write("records_bom.csv", b"\xef\xbb\xbf" + text.encode())
    for path in sorted((ROOT / "tests" / "fixtures" / "corpus").iterdir()):
        if path.is_file():
            items.append(dict(name=path.name, path=str(path)))
    for path in sorted(ROOT.glob("sample_data/*/reports/*")):
        items.append(dict(name=path.name, path=str(path)))
    for path in sorted(ROOT.glob("sample_data/*/observations.csv")):
        items.append(dict(name=path.parent.name + "_" + path.name, path=str(path)))
    return items


def _without_export_daily(before, after):
    """Per-record exports no longer store the day's count (collected_day) beside the
    cumulative figure: when `before` has those rows and `after` has none, they
    are dropped from `before` once each is checked to be the difference of two days'
    `collected`.  Returns (before, note or None); `before` unchanged when not applicable."""
    import pandas as pd

    frame = (
        before
        if isinstance(before, pd.DataFrame)
        else pd.DataFrame(
            before[1][0], columns=["unit_key", "date", "metric", "value", "name"][: len(before[1][0][0])]
        )
        if before[1] and before[1][0]
        else None
    )
    other = (
        after
        if isinstance(after, pd.DataFrame)
        else pd.DataFrame(after[1][0])
        if after and after[1] and after[1][0]
        else None
    )
    if frame is None or other is None or "collected_day" not in set(frame["metric"]):
        return before, None
    if isinstance(after, pd.DataFrame):
        after_metrics = set(after["metric"])
    else:
        after_metrics = {row[2] for row in after[1][0]}
    if "collected_day" in after_metrics:
        return before, None
    wide = (
        frame.assign(value=frame["value"].astype("int64"))
        .pivot_table(index=["unit_key", "date"], columns="metric", values="value", aggfunc="first")
        .sort_index()
    )
    step = wide.groupby(level=0)["collected"].diff()
    checked = step.notna()
    if not (step[checked] == wide.loc[checked, "collected_day"]).all():
        return before, None
    kept = frame[frame["metric"] != "collected_day"]
    note = (
        f"equal once the {int((frame['metric'] == 'collected_day').sum())} collected_day rows of the "
        "export before are dropped (each checked to be the difference of two days' collected)"
    )
    if isinstance(before, pd.DataFrame):
        return kept.reset_index(drop=True), note
    return (before[0], (kept.values.tolist(), before[1][1])), note


def compare(a: dict, b: dict) -> list[str]:
    import pandas as pd

    problems = []
    for key in a:
        x, y = a[key], b.get(key)
        if key.startswith(("import:", "stored:")) and y is not None:
            x, note = _without_export_daily(x, y)
            if note:
                problems.append(f"{key}: {note}")
        if isinstance(x, pd.DataFrame):
            try:
                pd.testing.assert_frame_equal(x, y, check_exact=True)
            except AssertionError as exact:
                try:
                    pd.testing.assert_frame_equal(x, y, check_exact=False, rtol=1e-12, atol=1e-9)
                    problems.append(
                        f"{key}: equal to 1e-12 (float sums in another order): {str(exact).splitlines()[0]}"
                    )
                except AssertionError as error:
                    problems.append(f"DIFFERENT {key}: {str(error)[:400]}")
        elif x != y:
            if isinstance(x, tuple):
                for field in x[0]:
                    if field != "sha256" and x[0][field] != y[0].get(field):
                        problems.append(
                            f"DIFFERENT {key} field {field}: {str(x[0][field])[:200]} / "
                            f"{str(y[0].get(field))[:200]}"
                        )
                if x[1] != y[1]:
                    problems.append(f"DIFFERENT {key}: observations")
            else:
                problems.append(f"DIFFERENT {key}")
    return problems


def fresh_baseline(rev: str, out: Path) -> Path:
    """Empty `out` and put the tree of commit `rev` in out/baseline (git archive, so the
    working tree's own changes never leak into the comparison)."""
    if out.exists():
        shutil.rmtree(out)
    (out / "baseline").mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(out / "baseline")], input=archive, check=True)
    return out / "baseline"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", required=True, metavar="REV")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "equivalence")
    args = ap.parse_args(argv)
    out = args.out
    fresh_baseline(args.baseline, out)
    items = crafted(out / "files")
    for item in items:
        if item["name"] == "records_big.csv":
            item["max_bytes"] = 400 * 2**20
    undo = out / "files" / "undo_after_sample.csv"
    undo.write_text(
        "date,province,district,commune,collected,returned\n"
        "2021-03-20,Tỉnh Hà Tĩnh,Huyện Mới,Xã Thử Nghiệm,1000,800\n"
    )
    replace = out / "files" / "replace_after_sample.csv"
    replace.write_text(
        "date,province,district,commune,collected,returned\n"
        "2021-03-20,Tỉnh Hà Tĩnh,Huyện Mới,Xã Thử Nghiệm,1001,800\n"
    )
    urls = [("sqlite", f"sqlite:///{out / 'eq.sqlite'}")]
    if os.environ.get("CCCD_TEST_PG_URL"):
        urls.append(("postgresql", os.environ["CCCD_TEST_PG_URL"]))
    try:
        return _compare_on(urls, items, replace, undo, out)
    finally:
        for dialect, url in urls:
            if dialect == "postgresql":
                _scratch_database(url, drop=True)


def _scratch_database(server_url: str, drop: bool = False) -> str:
    """A database of its own on the server `server_url` names, made for this run (and
    dropped after it): each run empties it between imports, which must never touch the
    database the URL names, a real one perhaps."""
    import sqlalchemy as sa

    url = sa.engine.make_url(server_url)
    name = f"cccd_equivalence_{os.getpid()}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        if not drop:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _compare_on(urls, items, replace, undo, out) -> int:
    failed = False
    for dialect, url in urls:
        if dialect == "postgresql":
            url = _scratch_database(url)
        spec = dict(
            url=url,
            imports=items if dialect == "sqlite" else [i for i in items if i.get("store")],
            after_sample=[str(replace), str(undo)],
        )
        results = {}
        for label, root in (("before", out / "baseline"), ("after", ROOT)):
            target = out / f"{dialect}_{label}.pkl"
            run = subprocess.run(
                [sys.executable, "-c", CHILD, str(root), str(target), json.dumps(spec)],
                capture_output=True,
                text=True,
                cwd=str(root),
            )
            if run.returncode:
                print(run.stderr[-3000:], file=sys.stderr)
                return 2
            results[label] = pickle.loads(target.read_bytes())
        problems = compare(results["before"], results["after"])
        exact = [p for p in problems if p.startswith("DIFFERENT")]
        daily = [p for p in problems if "collected_day rows" in p]
        print(
            f"{dialect}: {len(results['before'])} results compared; {len(exact)} different, "
            f"{len(problems) - len(exact) - len(daily)} equal only to rounding, "
            f"{len(daily)} equal once an export's daily rows are dropped"
        )
        for problem in problems:
            print("  " + problem)
        failed = failed or bool(exact)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
