"""Several files in one `cccd ingest`: the next file is checked in a second process while
one is written (ingest.batch), with the same result as importing them one by one."""

import json
import re

import pytest

from cccd_analytics.cli import main
from cccd_analytics.ingest import batch, pipeline
from cccd_analytics.store import Store
from tests.conftest import write

HEADER = "date,province,district,commune,eligible,collected\n"


def canonical(day: str, rows: list[tuple[str, str, int]]) -> str:
    return HEADER + "".join(
        f"{day},Tỉnh Hà Tĩnh,{district},{commune},5000,{collected}\n" for district, commune, collected in rows
    )


def files(tmp_path):
    """Files whose checks depend on the files before them: a falling cumulative against the
    file before, the same bytes twice, a refused file, then files about other communes."""
    out = [
        write(tmp_path / "1.csv", canonical("15/3/2021", [("Huyện Kỳ Anh", "Xã Kỳ Đồng", 300)])),
        write(tmp_path / "2.csv", canonical("16/3/2021", [("Huyện Kỳ Anh", "Xã Kỳ Đồng", 200)])),
        write(tmp_path / "3.csv", canonical("15/3/2021", [("Huyện Kỳ Anh", "Xã Kỳ Phong", 40)])),
        write(tmp_path / "4.csv", "date,commune,eligible,collected\n15/3/2021,Xã Kỳ Tân,5000,12abc\n"),
        write(tmp_path / "5.csv", canonical("17/3/2021", [("Huyện Kỳ Anh", "Xã Kỳ Tân", 70)])),
        write(tmp_path / "6.csv", canonical("18/3/2021", [("Huyện Kỳ Anh", "Xã Kỳ Tân", 90)])),
    ]
    out.insert(3, out[2])  # the same file again: a re-upload of what was just written
    return out


def comparable(report) -> dict:
    data = report.to_dict()
    data.pop("observations", None)
    # A duplicate names the earlier upload's time to the minute: the two stores' uploads of
    # it were made seconds apart, and on a busy machine a minute may turn between them.
    if isinstance(data.get("message"), str):
        data["message"] = re.sub(r"\d{1,2}/\d{1,2}/\d{4} \d{2}:\d{2}", "(lúc tải lên)", data["message"])
    return data


def stored(store: Store):
    frame = store.current_observations()
    return frame.drop(columns="upload_id").to_dict("records"), [
        (u["id"], u["file_name"]) for u in store.upload_records()
    ]


def checked_here(monkeypatch) -> list[str]:
    """The names of the files checked in the main process (not by the worker), as they are."""
    again: list[str] = []
    real = pipeline.import_file

    def counted(store, path, **kwargs):
        if not isinstance(store, batch._Reads):
            again.append(path.name)
        return real(store, path, **kwargs)

    monkeypatch.setattr(pipeline, "import_file", counted)
    return again


def test_batch_gives_what_one_by_one_gives(tmp_path):
    paths = files(tmp_path)
    one = Store.open(f"sqlite:///{tmp_path / 'one.sqlite'}")
    alone = [pipeline.import_file(one, p) for p in paths]
    url = f"sqlite:///{tmp_path / 'batch.sqlite'}"
    together = batch.import_files(Store.open(url), url, paths)
    assert [r.status for r in together] == [r.status for r in alone]
    assert [r.status for r in together] == [
        "imported",
        "refused",  # 2.csv: its figure falls below 1.csv's, written just before it
        "imported",
        "duplicate",
        "refused",
        "imported",
        "imported",
    ]
    assert [comparable(r) for r in together] == [comparable(r) for r in alone]
    assert stored(Store.open(url)) == stored(one)


def test_a_check_that_read_what_the_file_before_changed_is_done_again(tmp_path, monkeypatch):
    """2.csv was checked by the worker while 1.csv (same commune) was being written: its
    check is done again against the store that holds 1.csv, and says the figure fell."""
    paths = files(tmp_path)[:2]
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    again = checked_here(monkeypatch)
    reports = batch.import_files(Store.open(url), url, paths)
    assert again == ["2.csv"]
    assert any(p.code == "falling_cumulative" for p in reports[1].problems), reports[1].problems


def test_a_check_made_several_files_ahead_is_done_again_when_an_earlier_file_changed_its_reads(
    tmp_path, monkeypatch
):
    """The worker checks up to batch.AHEAD files ahead: 3.csv (Kỳ Đồng) may have been checked
    before 1.csv (Kỳ Đồng too) was written, two files earlier.  Its check is done again, and
    its figure falls below 1.csv's; 2.csv, about another commune, is not checked twice."""
    assert batch.AHEAD >= 2
    paths = [
        write(tmp_path / "1.csv", canonical("15/3/2021", [("Huyện Kỳ Anh", "Xã Kỳ Đồng", 300)])),
        write(tmp_path / "2.csv", canonical("15/3/2021", [("Huyện Kỳ Anh", "Xã Kỳ Phong", 40)])),
        write(tmp_path / "3.csv", canonical("16/3/2021", [("Huyện Kỳ Anh", "Xã Kỳ Đồng", 200)])),
    ]
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    again = checked_here(monkeypatch)
    reports = batch.import_files(Store.open(url), url, paths)
    assert [r.status for r in reports] == ["imported", "imported", "refused"]
    assert any(p.code == "falling_cumulative" for p in reports[2].problems), reports[2].problems
    assert again == ["3.csv"]
    assert [u["file_name"] for u in Store.open(url).upload_records()] == ["2.csv", "1.csv"]


def test_files_about_other_places_are_not_checked_twice(tmp_path, monkeypatch):
    paths = [
        write(tmp_path / f"{i}.csv", canonical("15/3/2021", [("Huyện Kỳ Anh", commune, 10 + i)]))
        for i, commune in enumerate(["Xã Kỳ Đồng", "Xã Kỳ Phong", "Xã Kỳ Tân"])
    ]
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    again = checked_here(monkeypatch)
    # The rows to write are made by the worker too: the writer makes none of its own.
    from cccd_analytics.store import uploads

    made_here: list[int] = []
    real_rows = uploads.value_rows
    monkeypatch.setattr(uploads, "value_rows", lambda frame: made_here.append(len(frame)) or real_rows(frame))
    reports = batch.import_files(Store.open(url), url, paths)
    assert [r.status for r in reports] == ["imported"] * 3
    assert again == []
    assert made_here == []


def test_a_failing_worker_only_means_the_files_are_checked_here(tmp_path, monkeypatch):
    def broken(*args):
        raise RuntimeError("the worker fell over")

    monkeypatch.setattr(batch, "_check_in_worker", broken)
    paths = files(tmp_path)
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    reports = batch.import_files(Store.open(url), url, paths)
    assert [r.status for r in reports] == [
        "imported",
        "refused",
        "imported",
        "duplicate",
        "refused",
        "imported",
        "imported",
    ]


_REAL_CHECK = batch._check_in_worker


def _check_noting_the_process(db_url, path, kwargs):
    """The worker's check, slowed so that no worker can take every file, and noting which
    process made it.  Module-level: the pool sends it to a worker by name."""
    import os
    import time

    time.sleep(0.3)
    report, noted = _REAL_CHECK(db_url, path, kwargs)
    return report, {**noted, "pid": os.getpid()}


def test_files_are_checked_by_two_workers_side_by_side(tmp_path, monkeypatch):
    """One checking worker set the pace of a nation's load while the writer left part of
    the second core idle: the files ahead are checked by batch.WORKERS processes at once,
    and the result is still the one-by-one result."""
    import os

    paths = [
        write(tmp_path / f"{i}.csv", canonical("15/3/2021", [("Huyện Kỳ Anh", commune, 10 + i)]))
        for i, commune in enumerate(["Xã Kỳ Đồng", "Xã Kỳ Phong", "Xã Kỳ Tân", "Xã Kỳ Thọ"])
    ]
    checked_by: list[int] = []
    real_still_true = batch._still_true

    def noting(noted, written):
        checked_by.append(noted.get("pid"))
        return real_still_true(noted, written)

    monkeypatch.setattr(batch, "_check_in_worker", _check_noting_the_process)
    monkeypatch.setattr(batch, "_still_true", noting)
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    reports = batch.import_files(Store.open(url), url, paths)
    assert [r.status for r in reports] == ["imported"] * 4
    assert len(checked_by) == 4 and os.getpid() not in checked_by
    assert len(set(checked_by)) == batch.WORKERS == 2
    one = Store.open(f"sqlite:///{tmp_path / 'one.sqlite'}")
    for path in paths:
        pipeline.import_file(one, path)
    assert stored(Store.open(url)) == stored(one)


@pytest.mark.parametrize("dry_run", [False, True])
def test_cli_refuses_the_bad_file_writes_the_rest_in_order(tmp_path, capsys, dry_run):
    paths = files(tmp_path)
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    args = ["ingest", *map(str, paths), "--db", url, "--json"] + (["--dry-run"] if dry_run else [])
    code = main(args)
    out, _ = capsys.readouterr()
    assert code == 2
    result = json.loads(out)
    assert [f["file_name"] for f in result["files"]] == [p.name for p in paths]
    refused = result["files"][4]
    assert refused["status"] == "refused"
    assert "4.csv" in refused["message"] and "dòng 2" in refused["message"]
    uploads = Store.open(url).upload_records()
    if dry_run:
        assert uploads == []
    else:
        assert [u["file_name"] for u in sorted(uploads, key=lambda u: u["id"])] == [
            "1.csv",
            "3.csv",
            "5.csv",
            "6.csv",
        ]


PROBE = """
import sys
from cccd_analytics.cli import main
code = main(sys.argv[1:])
print(code, "scipy" in sys.modules, "cccd_analytics.analytics.metrics" in sys.modules, file=sys.stderr)
"""


def test_an_import_into_a_store_without_campaigns_loads_no_analytics(tmp_path):
    """Nothing to compute for a campaign: the forecaster and scipy are not even imported
    (a cron job filling a fresh store starts faster); with a campaign the figures are kept."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    path = write(tmp_path / "1.csv", canonical("15/3/2021", [("Huyện Kỳ Anh", "Xã Kỳ Đồng", 300)]))
    probe = [sys.executable, "-c", PROBE, "ingest", str(path), "--db", url]
    run = subprocess.run(probe, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.stderr.strip().splitlines()[-1] == "0 False False", run.stderr
    campaign = write(
        tmp_path / "c.toml",
        'name = "Kỳ Anh"\nstart = 2021-03-01\ndeadline = 2021-06-10\ntarget = "100%"\n',
    )
    assert main(["campaign", "add", str(campaign), "--db", url]) == 0
    path = write(tmp_path / "2.csv", canonical("16/3/2021", [("Huyện Kỳ Anh", "Xã Kỳ Đồng", 310)]))
    run = subprocess.run(
        [*probe[:4], str(path), *probe[5:]], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    # The figures are computed (metrics imported); scipy stays out unless a forecast's run-rate
    # range needs it (analytics.forecast imports it lazily).
    code, _, analytics = run.stderr.strip().splitlines()[-1].split()
    assert (code, analytics) == ("0", "True"), run.stderr


def test_a_day_sent_again_says_what_it_replaces_before_it_is_written(tmp_path):
    """A corrected report of a day already stored replaces its figures, as it should; the
    check says so first (a note, "Lưu ý"), naming the day, the upload and how many figures
    change, so that a day sent twice or a file of the wrong day is seen."""
    from cccd_analytics import ingest
    from cccd_analytics.store import Store
    from tests.test_report_shapes_round7 import TOP, workbook_bytes

    store = Store.open(f"sqlite:///{tmp_path / 'x.sqlite'}")

    def report(tan: int) -> bytes:
        return workbook_bytes(
            {
                "BC": [
                    *TOP,
                    ["STT", "Đơn vị", "Lũy kế thu nhận"],
                    [1, "Xã Kỳ Tân", tan],
                    [2, "Xã Kỳ Thọ", 2479],
                ]
            }
        )

    first = ingest.import_bytes(store, report(2384), "bc_16_3.xlsx")
    assert first.status == "imported" and not first.problems
    again = ingest.import_bytes(store, report(2390), "bc_16_3_sua.xlsx", dry_run=True)
    (note,) = again.problems
    assert (note.code, note.severity) == ("replaces_stored", "info")
    assert "ngày 16/3/2021 của 2 đơn vị" in note.message and "«bc_16_3.xlsx»" in note.message
    assert "1 số khác số đã có" in note.message
    assert again.status == "checked" and not again.warnings
