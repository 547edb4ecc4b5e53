"""A store written by an earlier release, opened by this one: the same values in force, the
same histories, and the same after an undo and a new upload as the earlier code gives.

    python bench/migration_equivalence.py --baseline REV [--out bench/out/migration]

The code of git revision REV is extracted (``git archive``).  With it, a store is filled: the
sample campaigns, three provinces of the national data (bench/datagen.py), and corrections of
some of their days — one replacing another, one undone.  The store is copied; the earlier
code goes on with the copy (undo the newest correction, undo the older, upload a new one) and
this checkout opens the original (migrating it) and does the same.  After each step both
sides' ``Store.current_observations``, some units' ``observation_history`` and the list of
uploads are compared.  On SQLite, and on PostgreSQL with ``CCCD_TEST_PG_URL`` set.  Exit
status 1 when anything differs.  Not part of the test suite: it needs the baseline's source.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

from equivalence import fresh_baseline  # bench/ is the script's own folder

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

CHILD = r"""
import json, pickle, sys
root, spec = sys.argv[1], json.loads(sys.argv[2])
sys.path.insert(0, root)
from cccd_analytics import ingest
from cccd_analytics.store import Store

store = Store.open(spec["url"])

def dump():
    current = store.current_observations()
    current = sorted(map(tuple, current[sorted(current.columns)].astype(str).values.tolist()))
    histories = {}
    for unit in spec["units"]:
        h = store.observation_history(unit)
        histories[unit] = h[sorted(h.columns)].astype(str).values.tolist()
    uploads = store.list_uploads()[["id", "file_name", "status"]].astype(str).values.tolist()
    return {"current": current, "history": histories, "uploads": sorted(uploads)}

out = {}
with store.engine.connect() as conn:
    out["version"] = conn.exec_driver_sql("SELECT max(version) FROM schema_version").scalar()
for step, what, arg in spec["steps"]:
    if what == "import":
        report = ingest.import_file(store, arg)
        assert report.status == "imported", (arg, report.to_dict())
    elif what == "undo":
        ids = {name: i for i, name in store.list_uploads()[["id", "file_name"]].values.tolist()}
        assert store.undo_upload(int(ids[arg]))
    elif what == "sample":
        from cccd_analytics.sample import load_sample
        load_sample(store)
    if step:
        out[step] = dump()
store.engine.dispose()
pickle.dump(out, sys.stdout.buffer)
"""


def run(code: Path, url: str, steps: list, units: list[str]) -> dict:
    spec = json.dumps({"url": url, "steps": steps, "units": units})
    done = subprocess.run([PY, "-P", "-c", CHILD, str(code), spec], capture_output=True)
    if done.returncode:
        raise SystemExit(f"{code}: {done.stderr.decode()[-3000:]}")
    return pickle.loads(done.stdout)


def correction(source: Path, target: Path, last_days: int, add: int) -> tuple[Path, list[str]]:
    """The rows of the `last_days` last days of `source`, each cumulative figure raised by
    `add` (the same for every later day, so no figure falls)."""
    with source.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    days = sorted({r[0] for r in body}, key=lambda d: tuple(reversed(d.split("/"))))[-last_days:]
    kept = [r for r in body if r[0] in days]
    for r in kept:
        for column in (6, 7):
            r[column] = str(int(r[column]) + add)
    with target.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *kept])
    return target, [r[4] for r in kept[:2]]


def copy_store(url: str, name: str) -> str:
    """A copy of the store at `url`: the SQLite file, or a PostgreSQL database made from it."""
    import sqlalchemy as sa

    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        shutil.copy(path, path.with_name(name))
        return f"sqlite:///{path.with_name(name)}"
    base = sa.make_url(url)
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{base.database}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def fresh_pg(base_url: str, name: str) -> str:
    import sqlalchemy as sa

    base = sa.make_url(base_url)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", required=True, metavar="REV")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "migration")
    args = ap.parse_args(argv)
    out = args.out
    fresh_baseline(args.baseline, out)
    nation = ROOT / "bench" / "out" / "data" / "nation"
    if not (nation / "done.json").exists():
        subprocess.run([PY, str(ROOT / "bench" / "datagen.py"), "--out", str(nation.parent)], check=True)
    files = [nation / f"tinh_{n:02d}.csv" for n in (2, 3, 4)]
    a, units_a = correction(files[0], out / "sua_a.csv", 1, 5)
    b, units_b = correction(files[1], out / "sua_b.csv", 2, 7)
    c, _ = correction(files[0], out / "sua_c.csv", 1, 6)
    d, _ = correction(files[1], out / "sua_d.csv", 1, 9)
    units = sorted({*units_a, *units_b})
    fill = [
        ("", "sample", ""),
        *[("", "import", str(f)) for f in files],
        ("", "import", str(a)),
        ("", "import", str(b)),
        ("", "undo", b.name),
        ("filled", "import", str(c)),
    ]
    after = [
        ("opened", "none", ""),
        ("undo newest correction", "undo", c.name),
        ("undo older correction", "undo", a.name),
        ("new upload", "import", str(d)),
    ]
    urls = [("sqlite", f"sqlite:///{out / 'earlier.sqlite'}")]
    if os.environ.get("CCCD_TEST_PG_URL"):
        urls.append(("postgresql", fresh_pg(os.environ["CCCD_TEST_PG_URL"], "cccd_migration_earlier")))
    failed = False
    for dialect, url in urls:
        filled = run(out / "baseline", url, fill, units)
        copy = copy_store(url, "earlier_copy.sqlite" if dialect == "sqlite" else "cccd_migration_copy")
        before = run(out / "baseline", copy, after, units)
        now = run(ROOT, url, after, units)
        print(
            f"{dialect}: schema version {filled['version']} (earlier code) → {now['version']} (opened here)"
        )
        assert before["opened"] == filled["filled"]
        previous = None
        for step, *_ in after:
            same = before[step] == now[step]
            failed |= not same
            current = now[step]["current"]
            changed = "" if previous is None else f", {len(set(current) - set(previous))} changed by the step"
            previous = current
            print(f"  {step}: {len(current)} values in force{changed}; {'same' if same else 'DIFFERENT'}")
            if not same:
                for part in ("current", "history", "uploads"):
                    if before[step][part] != now[step][part]:
                        print(f"    {part} differs")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
