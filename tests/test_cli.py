"""The `cccd` command line: the contract scripts and acceptance checks rely on."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cccd_analytics.cli import main
from tests.conftest import ROOT, write

KY_ANH = "Huyện Kỳ Anh — 87.000 thẻ CCCD trước 10/6/2021"
NGHE_AN = "Cao điểm 70 ngày, đêm — Nghệ An 2023"
UNIT_KEYS = {
    "province",
    "district",
    "commune",
    "code",
    "level",
    "eligible",
    "collected",
    "returned",
    "coverage",
    "pace_7d",
    "required_per_day",
    "deadline",
    "projected_date",
    "projected_low",
    "projected_high",
    "p_on_time",
    "status",
}


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def status(capsys, url, *extra) -> dict:
    code, out, err = run(capsys, "status", "--db", url, "--json", *extra)
    assert code == 0, err
    return json.loads(out)


def test_module_entry_point_runs(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cccd_analytics",
            "campaign",
            "list",
            "--json",
            "--db",
            f"sqlite:///{tmp_path / 'x.sqlite'}",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0 and json.loads(result.stdout) == []


def test_status_json_has_the_contract_keys(capsys, sample_url):
    payload = status(capsys, sample_url, "--campaign", KY_ANH)
    assert payload["as_of"] == "2021-05-15"
    assert len(payload["units"]) == 20
    for unit in payload["units"]:
        assert UNIT_KEYS <= set(unit)
        assert isinstance(unit["collected"], int) and isinstance(unit["eligible"], int)
        assert unit["level"] == "commune" and unit["district"] == "Huyện Kỳ Anh"
        assert unit["deadline"] == "2021-06-10"


def test_press_figure_4843_on_15_march(capsys, sample_url):
    payload = status(capsys, sample_url, "--campaign", KY_ANH, "--as-of", "2021-03-15", "--level", "district")
    (district,) = payload["units"]
    assert payload["as_of"] == "2021-03-15"
    assert district["collected"] == 4843


def test_as_of_sees_no_later_data(capsys, sample_url):
    early = status(capsys, sample_url, "--campaign", NGHE_AN, "--as-of", "2023-05-01", "--level", "province")
    late = status(capsys, sample_url, "--campaign", NGHE_AN, "--level", "province")
    assert early["units"][0]["collected"] < late["units"][0]["collected"]
    # Adding data after 1/5 must not change what 1/5 says.
    code, _, _ = run(
        capsys,
        "ingest",
        "--db",
        sample_url,
        str(ROOT / "sample_data/nghe_an_2023/reports/bao_cao_ngay_15_06_2023.xlsx"),
    )
    assert code == 0
    again = status(capsys, sample_url, "--campaign", NGHE_AN, "--as-of", "2023-05-01", "--level", "province")
    assert again == early


def test_levels_roll_up(capsys, sample_url):
    communes = status(capsys, sample_url, "--campaign", NGHE_AN)["units"]
    districts = status(capsys, sample_url, "--campaign", NGHE_AN, "--level", "district")["units"]
    (province,) = status(capsys, sample_url, "--campaign", NGHE_AN, "--level", "province")["units"]
    assert len(communes) == 460 and len(districts) == 21
    assert sum(u["collected"] for u in districts) == province["collected"]
    assert sum(u["eligible"] for u in communes) == province["eligible"]


def test_status_without_campaign_lists_every_unit_with_data(capsys, sample_url):
    payload = status(capsys, sample_url)
    assert len(payload["units"]) == 480


def test_ingest_exit_codes_and_json_report(capsys, db_url, tmp_path):
    good = write(
        tmp_path / "tot.csv", "date,district,commune,collected\n2021-03-15,Huyện Kỳ Anh,Xã Kỳ Đồng,10\n"
    )
    bad = write(
        tmp_path / "xau.csv", "date,district,commune,collected\n2021-03-15,Huyện Kỳ Anh,Xã Kỳ Tân,-1\n"
    )
    code, out, _ = run(capsys, "ingest", "--db", db_url, "--json", str(good), str(bad))
    assert code == 2
    payload = json.loads(out)
    assert [f["status"] for f in payload["files"]] == ["imported", "refused"]
    assert "xau.csv" in payload["files"][1]["problems"][0]["text"]
    code, _, err = run(capsys, "ingest", "--db", db_url, str(bad))
    assert code == 2 and "Từ chối tệp «xau.csv»" in err and "Traceback" not in err
    code, out, _ = run(capsys, "ingest", "--db", db_url, str(good))
    assert code == 0 and "giống hệt" in out


def test_campaign_add_and_list_round_trip(capsys, db_url, tmp_path):
    toml = write(
        tmp_path / "c.toml",
        """
name = "Thử nghiệm"
start = 2021-02-17
deadline = 2021-06-10
target = 87000
scope = ["Huyện Kỳ Anh"]

[[milestones]]
name = "Xã Kỳ Đồng trước"
units = ["Xã Kỳ Đồng"]
deadline = 2021-05-01
target = "100%"
""",
    )
    code, out, err = run(capsys, "campaign", "add", str(toml), "--db", db_url)
    assert code == 0, err
    code, out, _ = run(capsys, "campaign", "list", "--json", "--db", db_url)
    (item,) = json.loads(out)
    assert (item["name"], item["target"], item["deadline"]) == ("Thử nghiệm", "87000", "2021-06-10")
    assert item["milestones"][0]["units"] == ["Xã Kỳ Đồng"]
    # Same name again replaces it.
    write(toml, toml.read_text().replace("87000", "90000"))
    run(capsys, "campaign", "add", str(toml), "--db", db_url)
    code, out, _ = run(capsys, "campaign", "list", "--json", "--db", db_url)
    assert [c["target"] for c in json.loads(out)] == ["90000"]


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("name = 'x'\ntarget = '100%'\n", "deadline"),
        ("name = 'x'\ndeadline = 2021-06-10\ntarget = 'nhiều'\n", "Chỉ tiêu không hợp lệ"),
        (
            "name = 'x'\ndeadline = 2021-06-10\ntarget = '100%'\nscope = ['Huyện Không Có']\n",
            "Huyện Không Có",
        ),
        ("name = = 'x'", "TOML"),
    ],
)
def test_bad_campaign_file_gets_a_vietnamese_message(capsys, db_url, tmp_path, text, fragment):
    code, _, err = run(capsys, "campaign", "add", str(write(tmp_path / "c.toml", text)), "--db", db_url)
    assert code == 2 and fragment in err and "Traceback" not in err


def test_bad_as_of_is_a_clear_error(capsys, db_url):
    code, _, err = run(capsys, "status", "--db", db_url, "--as-of", "15/3/2021")
    assert code == 4 and "YYYY-MM-DD" in err  # wrong usage


@pytest.mark.parametrize(
    "args, said",
    [
        (("sqlite:///x",), "tham số lệnh: giá trị 'sqlite:///x' không hợp lệ (chọn một trong: 'ingest'"),
        (("status", "--level", "town"), "tham số --level: giá trị 'town' không hợp lệ"),
        (("ingest",), "thiếu tham số bắt buộc: TỆP"),
        (("status", "--bogus"), "không nhận ra tham số: --bogus"),
        (("status", "--as-of"), "tham số --as-of: cần một giá trị"),
    ],
)
def test_a_mistyped_command_is_told_in_vietnamese(capsys, args, said):
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    err = capsys.readouterr().err
    assert exited.value.code == 4 and said in err
    assert not re.search(r"invalid choice|required|unrecognized|expected one", err)


def test_a_reader_that_goes_away_gets_no_traceback(sample_url):
    # `cccd uploads | head -0`: the pipe is closed before the command writes.
    cccd = Path(sys.executable).with_name("cccd")
    child = subprocess.Popen(
        [str(cccd), "uploads", "--db", sample_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    child.stdout.close()
    err = child.stderr.read().decode()
    assert child.wait(timeout=60) == 141 and "Traceback" not in err and "BrokenPipe" not in err


def test_sample_command_loads_both_campaigns(capsys, db_url):
    code, out, _ = run(capsys, "sample", "--db", db_url)
    assert code == 0
    code, out, _ = run(capsys, "campaign", "list", "--json", "--db", db_url)
    assert {c["name"] for c in json.loads(out)} == {KY_ANH, NGHE_AN}


def test_env_var_selects_the_database(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'env.sqlite'}"
    monkeypatch.setenv("CCCD_DB_URL", url)
    write(tmp_path / "a.csv", "date,district,commune,collected\n2021-03-15,Huyện Kỳ Anh,Xã Kỳ Đồng,10\n")
    assert run(capsys, "ingest", str(tmp_path / "a.csv"))[0] == 0
    assert Path(tmp_path / "env.sqlite").exists()


# Commands an operator runs often and that need no analysis: they start without loading the
# analysis stack (the parser names each command's module; the store builds frames only on
# demand) on a database that exists.  A top-level `import pandas` in cli/__init__, cli/uploads, cli/users, the store,
# the registry, auth or text would break this, and babel is loaded only to show a figure.
LIGHT_COMMANDS = (["--help"], ["uploads"], ["user", "list"], ["user", "list", "--json"])
HEAVY = ("pandas", "numpy", "plotly", "kaleido", "streamlit", "pptx", "reportlab", "babel")
PROBE = """
import sys
from cccd_analytics.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[0].split(","))), file=sys.stderr)
"""


@pytest.mark.parametrize("command", LIGHT_COMMANDS, ids=" ".join)
def test_everyday_commands_load_no_analysis_stack(tmp_path, command):
    from cccd_analytics.store import Store

    url = f"sqlite:///{tmp_path / 'cccd.sqlite'}"
    Store.open(url).engine.dispose()  # created and seeded (that first open builds the registry)
    env = {"PATH": "/usr/bin:/bin", "CCCD_DB_URL": url, "HOME": str(tmp_path)}
    probe = [sys.executable, "-c", PROBE.replace("sys.argv[0]", repr(",".join(HEAVY)))]
    run = subprocess.run([*probe, *command], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert run.stderr.strip().splitlines()[-1] == "[]", run.stderr


def test_the_command_keeps_numpy_on_one_blas_thread_unless_told_otherwise(tmp_path):
    """OpenBLAS reads its thread count when numpy is first imported: the command must set it
    before that, and leave a setting the operator made alone."""
    probe = (
        "import os, sys; from cccd_analytics import cli; import numpy; "
        "print(os.environ.get('OPENBLAS_NUM_THREADS'), 'numpy' in sys.modules)"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    plain = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=ROOT)
    assert plain.stdout.split() == ["1", "True"], plain.stderr
    told = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**env, "OPENBLAS_NUM_THREADS": "4"},
        cwd=ROOT,
    )
    assert told.stdout.split() == ["4", "True"], told.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_the_command_reuses_the_memory_it_frees_instead_of_having_the_kernel_zero_it_again(tmp_path):
    # A 64 MiB array (a few columns of a million rows): by default glibc maps it apart and
    # unmaps it when freed, so the next one is new memory that the kernel zeroes again.  The
    # command has it taken from the heap and kept there when freed.  glibc's mallinfo2: the
    # bytes mapped apart (hblkhd) while it lives, and the heap's size (arena) once it is freed.
    probe = """
import ctypes, sys
from cccd_analytics import cli
if sys.argv[1] == "kept":
    cli._keep_freed_memory()
import numpy as np

class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]

mallinfo2 = ctypes.CDLL(None).mallinfo2
mallinfo2.restype = Info
array = np.ones(64 << 17)
apart = mallinfo2().hblkhd
del array
print(apart >> 20, mallinfo2().arena >> 20)
"""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    def mib(how: str) -> list[int]:
        run = subprocess.run(
            [sys.executable, "-c", probe, how], capture_output=True, text=True, env=env, cwd=ROOT
        )
        assert run.returncode == 0, run.stderr
        return [int(n) for n in run.stdout.split()]

    apart, heap = mib("plain")
    assert apart >= 64 and heap < 64
    apart, heap = mib("kept")
    assert apart < 64 and heap >= 64


def _records_cell_by_cell(table) -> list[dict]:
    """The contract's conversion a row at a time (what unit_records did before it went by
    column): the reference the column-wise conversion must equal."""
    from cccd_analytics.analytics import metrics
    from cccd_analytics.cli.status import INTEGER_FIELDS, ROUND, _json_value

    records = []
    for row in table.to_dict("records"):
        out = {}
        for key, value in row.items():
            value = _json_value(value)
            if value is not None and key in INTEGER_FIELDS:
                value = int(round(value))
            elif value is not None and key in ROUND:
                value = round(float(value), ROUND[key])
            out[key] = value
        out["status_label"] = metrics.STATUS_LABELS.get(out.get("status"))
        records.append(out)
    return records


@pytest.mark.parametrize("level", ["commune", "district", "province"])
def test_status_json_is_what_the_cell_by_cell_conversion_and_json_dumps_give(sample_url, level):
    import math

    import pandas as pd

    from cccd_analytics import shared
    from cccd_analytics.analytics import campaigns as camp
    from cccd_analytics.cli import status as cli_status
    from cccd_analytics.store import Store

    store = Store.open(sample_url)
    payload = cli_status.status_payload(store, None, None, level)
    tables = [shared.snapshot(store, c).units for c in camp.stored(store)]
    table = pd.concat(tables).query("level == @level")
    # a tag list, a missing date, an infinite and a NaN figure, an object column of numbers
    table = table.assign(
        tags=[("biên giới", "x")] + [()] * (len(table) - 1),
        projected_low=table["projected_low"].where(pd.RangeIndex(len(table)) != 1),
        required_per_day=[math.inf] + [math.nan] + list(table["required_per_day"].iloc[2:]),
        extra=pd.Series(([1, 2.5, None] * len(table))[: len(table)], dtype=object).to_numpy(),
    )
    assert cli_status.unit_records(table) == _records_cell_by_cell(table)
    json_text = json.dumps(payload, ensure_ascii=False, indent=2)
    assert cli_status.dumps(payload) == json_text
    records = _records_cell_by_cell(table)
    for units in (records, records[:1], []):
        mixed = {"as_of": None, "level": level, "units": units}
        assert cli_status.dumps(mixed) == json.dumps(mixed, ensure_ascii=False, indent=2)
    # Brackets in text, and lists or objects (empty or not) among a unit's values.
    odd = [
        {"name": "Xã [mới] {tạm}", "n": 1},
        {"name": "a", "tags": ["biên giới", "ven biển"]},
        {"name": "b", "tags": [], "extra": {}},
        {"name": "c", "nested": {"k": [1, {"x": None}]}},
        {"name": "d", "pair": (1, 2), "none": ()},
    ]
    mixed = {"as_of": "2023-06-15", "level": level, "units": [*records[:2], *odd, *records[2:4]]}
    assert cli_status.dumps(mixed) == json.dumps(mixed, ensure_ascii=False, indent=2)


def test_cccd_sample_is_on_record_in_the_audit_log_in_vietnamese(capsys, db_url):
    from cccd_analytics import audit
    from cccd_analytics.store import Store

    code, _, _ = run(capsys, "sample", "--db", db_url)
    assert code == 0
    log = Store.open(db_url).audit_entries()
    assert set(log["action"]) == {"upload", "campaign"}
    assert (log["action"] == "campaign").sum() == 2  # both sample campaigns
    for detail in log["detail"]:
        keys = json.loads(detail)
        assert set(keys) <= set(audit.DETAIL_LABELS), keys  # every key has its Vietnamese label
    shown = audit.describe(log["detail"].iloc[-1])
    assert "qua: dòng lệnh" in shown and "dữ liệu mẫu: có" in shown


def test_report_without_a_day_is_of_the_day_most_communes_reported_as_the_dashboard_is(
    capsys, sample_url, tmp_path
):
    # 16/5/2021 sent by two of Kỳ Anh's communes: the deck without --as-of stays on 15/5, says
    # why, and --as-of 2021-05-16 still gives the newer day.
    early = tmp_path / "bao_cao_16_05_2021.csv"
    write(
        early,
        "Ngày,Huyện,Xã,Lũy kế\n16/05/2021,Huyện Kỳ Anh,Xã Kỳ Tân,9999\n16/05/2021,Huyện Kỳ Anh,Xã Kỳ Thọ,9999\n",
    )
    code, _, err = run(capsys, "ingest", str(early), "--db", sample_url)
    assert code == 0, err
    out_file = tmp_path / "giao_ban.xlsx"
    code, out, err = run(
        capsys, "report", "--db", sample_url, "--campaign", KY_ANH, "--format", "xlsx", "--out", str(out_file)
    )
    assert code == 0, err
    assert "số liệu đến 15/5/2021" in out
    code, out, err = run(
        capsys,
        "report",
        "--db",
        sample_url,
        "--campaign",
        KY_ANH,
        "--format",
        "xlsx",
        "--out",
        str(out_file),
        "--as-of",
        "2021-05-16",
    )
    assert code == 0, err
    assert "số liệu đến 16/5/2021" in out


def test_the_usual_day_briefing_says_why_it_is_not_of_the_newest_day(sample_url, tmp_path):
    from cccd_analytics import briefing, ingest
    from cccd_analytics.analytics import campaigns
    from cccd_analytics.store import Store

    store = Store.open(sample_url)
    early = tmp_path / "bao_cao_16_05_2021.csv"
    write(early, "Ngày,Huyện,Xã,Lũy kế\n16/05/2021,Huyện Kỳ Anh,Xã Kỳ Tân,9999\n")
    assert ingest.import_file(store, early).status == "imported"
    found = {c.name: c for c in (campaigns.from_definition(d) for d in store.campaign_definitions())}
    obs, units = store.current_observations(), store.units()
    usual = briefing.from_frames(obs, units, found[KY_ANH], usual_day=True)
    newest = briefing.from_frames(obs, units, found[KY_ANH])
    assert (str(usual.as_of), str(newest.as_of)) == ("2021-05-15", "2021-05-16")
    assert any("Ngày 16/5/2021 mới có 1/" in c and "tính đến ngày 15/5/2021" in c for c in usual.caveats)
