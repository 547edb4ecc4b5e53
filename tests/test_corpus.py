"""The import corpus (tests/fixtures/corpus, built by tests/fixtures/build_corpus.py):
every file read with no manual mapping and checked value by value."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from cccd_analytics import cli, ingest
from cccd_analytics.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = FIXTURES / "corpus"
EXPECTED = json.loads((FIXTURES / "corpus_expected.json").read_text(encoding="utf-8"))


def test_corpus_is_varied_and_small():
    files = sorted(p for p in CORPUS.iterdir() if p.is_file())
    assert len(files) >= 15
    assert {p.name for p in files} == set(EXPECTED)
    assert all(p.stat().st_size < 200_000 for p in files)
    formats = Counter(e["format"] for e in EXPECTED.values())
    assert {"xlsx", "xls", "ods", "csv"} <= set(formats)
    encodings = {e["encoding"] for e in EXPECTED.values()}
    assert {"tcvn3", "tcvn3_upper", "vni", "cp1258", "utf-16-le", "utf-8-sig", "utf-8"} <= encodings
    assert {"report", "canonical", "records"} == {e["kind"] for e in EXPECTED.values()}


@pytest.fixture(scope="module")
def reports() -> dict[str, ingest.ImportReport]:
    return {name: ingest.import_bytes(None, (CORPUS / name).read_bytes(), name) for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_reads_value_by_value(reports, name):
    want = EXPECTED[name]
    report = reports[name]
    assert report.status == want["status"], report.message
    assert not report.needs_mapping and report.mapping is None
    assert report.kind == want["kind"] and report.format == want["format"]
    got = sorted(
        [k, d.isoformat(), m, int(v)]
        for k, d, m, v in report.observations[["unit_key", "date", "metric", "value"]].itertuples(index=False)
    )
    assert got == want["observations"]
    assert report.units_read == want["units"]
    assert (report.report_date.isoformat() if report.report_date else None) == want["report_date"]
    assert report.date_origin == want["date_origin"] and report.date_source
    assert sorted(p.code for p in report.warnings) == sorted(want["warnings"]), [
        p.describe(name) for p in report.warnings
    ]
    assert [[t["kind"], t["matches"]] for t in report.totals] == want["totals"]
    if want["encoding"] in ("tcvn3", "tcvn3_upper", "vni") and report.format != "csv":
        assert want["encoding"] in {d["encoding"] for d in report.encoding_details}, report.encoding_details
        assert report.encoding_repairs
    elif report.format == "csv":
        assert report.encoding == want["encoding"]
    if "authorities" in want:
        assert report.authorities == want["authorities"]
    assert report.signature and report.columns and report.header_rows


def test_subtotal_mismatch_names_both_numbers(reports):
    report = reports["13_cong_huyen_lech.xlsx"]
    (warning,) = [p for p in report.warnings if p.code == "subtotal_mismatch"]
    stated = report.totals[0]["mismatches"][0]
    assert stated["stated"] - stated["communes"] == 37
    assert f"{stated['stated']:,}".replace(",", ".") in warning.message
    assert f"{stated['communes']:,}".replace(",", ".") in warning.message
    assert warning.row and warning.column == "D"


def test_cccd_ingest_reads_the_whole_corpus_with_no_mapping(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'corpus.sqlite'}"
    code = cli.main(["ingest", "--db", url, "--json", str(CORPUS)])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0, [f["message"] for f in payload["files"] if f["status"] != "imported"]
    assert [f["status"] for f in payload["files"]] == ["imported"] * len(EXPECTED)
    for item in payload["files"]:
        for key in (
            "layout",
            "sheet",
            "header_rows",
            "report_date",
            "date_source",
            "encoding_repairs",
            "units_read",
            "totals",
            "columns",
            "signature",
            "needs_mapping",
            "problems",
            "kind",
        ):
            assert key in item
    store = Store.open(url)
    assert len(store.list_uploads()) == len(EXPECTED)
    # The exports continue the reports already stored for their communes.
    records = [f for f in payload["files"] if f["kind"] == "records"]
    assert all(f["record_export"]["baseline_units"] > 0 for f in records)
