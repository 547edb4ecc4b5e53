"""The command line's outputs and the files it writes, before and after a change.

    python bench/cli_equivalence.py --baseline REV [--out bench/out/cli_equivalence]

The code of git revision REV is extracted (``git archive``); the same `cccd` commands run
on it and on this working tree, each on a fresh SQLite database: sample, ingest (--json,
--dry-run, a refused file), status (--json at each level, --campaign, --as-of, the text
table), campaign list, uploads, user add/list, undo, and report in all three formats.
Compared: exit codes, stdout and stderr (upload and account times masked: they are the
clock's), the xlsx cell by cell, the pptx part by part (its timestamps masked), and the
PDF's text page by page.  Exit status 1 when anything differs.  Not part of the test suite:
it needs the baseline's source.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from run_all import baseline_tree  # noqa: E402

KY_ANH = "Huyện Kỳ Anh — 87.000 thẻ CCCD trước 10/6/2021"
NGHE_AN = "Cao điểm 70 ngày, đêm — Nghệ An 2023"
RUN = "import sys; sys.path.insert(0, sys.argv.pop(1)); from cccd_analytics.cli import main; sys.exit(main(sys.argv[1:]))"
# Times that are the clock's, not the data's: ISO stamps, Vietnamese "dd/mm/yyyy hh:mm", epoch ms.
CLOCK = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?|\d{1,2}/\d{1,2}/\d{4} \d\d:\d\d|\"(uploaded_at|created_at)\":\d{12,}"
)


def commands(files: Path) -> list[list[str]]:
    bad = files / "bad.csv"
    bad.write_text(
        "date,province,district,commune,collected\n2021-03-20,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,-5\n"
    )
    extra = files / "extra.csv"
    extra.write_text(
        "date,province,district,commune,collected,returned\n2021-03-20,Tỉnh Hà Tĩnh,Huyện Mới,Xã Thử Nghiệm,1000,800\n"
    )
    reports = sorted(ROOT.glob("sample_data/*/reports/*"))[:6]
    return [
        ["sample"],
        ["ingest", "--json", "--dry-run", *map(str, reports)],
        ["ingest", *map(str, reports[:2])],
        ["ingest", str(bad)],
        ["ingest", "--json", str(extra)],
        ["status", "--json"],
        ["status", "--json", "--level", "district"],
        ["status", "--json", "--level", "province"],
        ["status", "--json", "--campaign", KY_ANH, "--as-of", "2021-04-01"],
        ["status", "--campaign", NGHE_AN],
        ["status", "--as-of", "1-4-2021"],
        ["campaign", "list", "--json"],
        ["campaign", "list"],
        ["campaign", "add", str(ROOT / "sample_data" / "ky_anh_2021" / "campaign.toml")],
        ["uploads", "--json"],
        ["uploads"],
        ["undo", "3"],
        ["undo", "999"],
        ["user", "add", "lan.nt", "--role", "analyst", "--name", "Nguyễn Thị Lan", "--no-password"],
        ["user", "role", "lan.nt", "admin"],
        ["user", "list", "--json"],
        ["user", "list"],
        ["report", "--format", "xlsx", "--out", "{out}/all.xlsx"],
        [
            "report",
            "--format",
            "xlsx",
            "--out",
            "{out}/ky_anh.xlsx",
            "--campaign",
            KY_ANH,
            "--as-of",
            "2021-04-01",
        ],
        ["report", "--format", "pptx", "--out", "{out}/nghe_an.pptx", "--campaign", NGHE_AN, "--no-map"],
        ["report", "--format", "pdf", "--out", "{out}/nghe_an.pdf", "--campaign", NGHE_AN, "--no-map"],
        ["status", "--json", "--campaign", "không có"],
    ]


def run_all(tree: Path, work: Path, files: Path) -> dict:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "CCCD_DB_URL": f"sqlite:///{work / 'cccd.sqlite'}"}
    results = {}
    for i, command in enumerate(commands(files)):
        args = [a.replace("{out}", str(work)) for a in command]
        done = subprocess.run(
            [sys.executable, "-c", RUN, str(tree), *args], capture_output=True, text=True, env=env, cwd=tree
        )
        results[f"{i:02d} cccd {' '.join(command)}"] = (
            done.returncode,
            CLOCK.sub("<clock>", done.stdout.replace(str(work), "<out>")),
            CLOCK.sub("<clock>", done.stderr.replace(str(work), "<out>")),
        )
    for path in sorted(work.glob("*.xlsx")) + sorted(work.glob("*.pptx")) + sorted(work.glob("*.pdf")):
        results[f"file {path.name}"] = content(path)
    return results


def cells(data: bytes) -> dict:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    return {s.title: [[c.value for c in row] for row in s.iter_rows()] for s in book.worksheets}


def content(path: Path):
    if path.suffix == ".xlsx":
        return cells(path.read_bytes())
    if path.suffix == ".pptx":
        with zipfile.ZipFile(path) as archive:
            return {
                name: CLOCK.sub("<clock>", archive.read(name).decode("utf-8", "replace"))
                if name.endswith((".xml", ".rels"))
                else cells(archive.read(name))  # a chart's data: its own creation time inside
                if name.endswith(".xlsx")
                else archive.read(name)
                for name in sorted(archive.namelist())
            }
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", required=True, metavar="REV")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "cli_equivalence")
    args = ap.parse_args(argv)
    out = args.out
    if out.exists():
        shutil.rmtree(out)
    (out / "files").mkdir(parents=True)
    baseline = baseline_tree(args.baseline, out)  # the code of REV, from git archive
    before = run_all(baseline, out / "before", out / "files")
    after = run_all(ROOT, out / "after", out / "files")
    different = [key for key in before if before[key] != after.get(key)]
    for key in different:
        print(f"DIFFERENT {key}")
        if not key.startswith("file"):
            for label, x, y in zip(("exit", "stdout", "stderr"), before[key], after[key]):
                if x != y:
                    print(f"  {label} before: {str(x)[:600]!r}\n  {label} after:  {str(y)[:600]!r}")
    files = sum(1 for key in before if key.startswith("file"))
    print(
        f"{len(before) - files} commands and {files} files compared; {len(different)} different"
        + json.dumps({"baseline": args.baseline}, ensure_ascii=False).join(["  ", ""])
    )
    return 1 if different else 0


if __name__ == "__main__":
    raise SystemExit(main())
