"""Per-record exports: streamed, counted per commune and day; nothing personal is kept."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from datetime import date, timedelta

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest
import sqlalchemy as sa
from pandas.testing import assert_frame_equal

from cccd_analytics import cli, ingest
from cccd_analytics.ingest import legacy_text, readers, records
from cccd_analytics.ingest.readers import delimited
from cccd_analytics.store import Store

HEADER = "STT,Số hồ sơ,Họ và tên,Ngày sinh,Số CMND/CCCD,Xã/Phường thường trú,Huyện,Ngày thu nhận,Trạng thái\n"
COMMUNES = ("Xã Kỳ Đồng", "Xã Kỳ Tân", "Xã Kỳ Lạc")
CODES = {"Xã Kỳ Đồng": "18775", "Xã Kỳ Tân": "18814", "Xã Kỳ Lạc": "18850"}
# Distinctive fake personal data: none of it may reach the database, the report or the logs.
NAMES = [f"Zyxqvar Wobbleton {i:03d}" for i in range(60)]
IDS = [f"0389917{i:05d}" for i in range(60)]
BIRTHS = [f"{1 + i % 28:02d}/11/1911" for i in range(60)]
SECRETS = ["Zyxqvar", "Wobbleton", "038991700", "1911-11", "11/1911", "HSX-77"]


def export_rows(n=60, start=date(2021, 3, 22)):
    rows = []
    for i in range(n):
        commune = COMMUNES[i % 3]
        day = start + timedelta(days=i % 4)
        status = ("Đã trả thẻ", "Đang sản xuất", "Chờ trả thẻ", "Trả thẻ cho công dân")[i % 4]
        rows.append(
            (
                i + 1,
                f"HSX-77{i:04d}",
                NAMES[i],
                BIRTHS[i],
                IDS[i],
                commune,
                "Huyện Kỳ Anh",
                f"{day:%d/%m/%Y} {8 + i % 9:02d}:{i % 60:02d}",
                status,
            )
        )
    return rows


def export_csv(rows=None) -> str:
    return HEADER + "".join(",".join(map(str, r)) + "\n" for r in (rows or export_rows()))


def expected_daily(rows):
    out = {}
    for r in rows:
        day = date(int(r[7][6:10]), int(r[7][3:5]), int(r[7][:2]))
        out[(CODES[r[5]], day)] = out.get((CODES[r[5]], day), 0) + 1
    return out


def test_export_is_counted_per_commune_and_day_with_cumulative_and_returned():
    rows = export_rows()
    report = ingest.import_bytes(None, export_csv(rows).encode(), "xuat.csv")
    assert report.status == "checked", report.message
    assert report.kind == "records" and report.record_export["rows"] == 60
    obs = report.observations
    daily = expected_daily(rows)
    # The day's count is stored beside the running total, every day of the export's span
    # (0 on a day without a record), and the running totals' differences agree with it.
    day = obs[obs.metric == "collected_day"]
    got = dict(zip(zip(day.unit_key, day.date), day.value))
    assert got == {k: daily.get(k, 0) for k in got} and sum(got.values()) == 60
    assert set(daily) <= set(got)
    cum = obs[obs.metric == "collected"].sort_values(["unit_key", "date"])
    gains = dict(
        zip(zip(cum.unit_key, cum.date), cum.groupby("unit_key")["value"].diff().fillna(cum["value"]))
    )
    assert gains == got
    last = obs[obs.metric == "collected"].groupby("unit_key")["value"].max().to_dict()
    assert last == {"18775": 20, "18814": 20, "18850": 20}
    returned = obs[obs.metric == "returned"]
    assert set(returned.date) == {date(2021, 3, 25)} and returned.value.sum() == 30
    assert report.record_export["statuses_returned"] == {"Đã trả thẻ": 15, "Trả thẻ cho công dân": 15}
    assert set(report.record_export["statuses_other"]) == {"Đang sản xuất", "Chờ trả thẻ"}


@pytest.mark.parametrize(
    "status,handed",
    [
        ("Đã trả thẻ", True),
        ("Đã trả", True),
        ("Trả thẻ cho công dân", True),
        ("ĐÃ TRẢ THẺ", True),
        ("Da tra the", True),
        ("Đã giao thẻ", True),
        ("Chờ trả thẻ", False),
        ("Chưa trả thẻ", False),
        ("Đang sản xuất", False),
        ("Đã thu nhận", False),
        ("Không trả được", False),
        ("", False),
    ],
)
def test_statuses_that_say_the_card_was_handed_over(status, handed):
    assert records.is_handed_over(status) is handed


def _db_bytes(url: str) -> bytes:
    path = url.removeprefix("sqlite:///")
    data = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            with open(path + suffix, "rb") as handle:
                data += handle.read()
        except FileNotFoundError:
            pass
    return data


def _assert_no_personal_data(blob: bytes) -> None:
    for secret in SECRETS:
        for encoding in ("utf-8", "utf-16-le"):
            assert secret.encode(encoding) not in blob, secret


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_names_birth_dates_and_id_numbers_never_reach_the_store_report_or_logs(
    fmt, db_url, tmp_path, capsys, caplog
):
    rows = export_rows()
    if fmt == "csv":
        path = tmp_path / "ho_so.csv"
        path.write_text(export_csv(rows), encoding="utf-8")
    else:
        book = openpyxl.Workbook()
        book.active.append(HEADER.strip().split(","))
        for r in rows:
            book.active.append(list(r))
        path = tmp_path / "ho_so.xlsx"
        book.save(path)
    caplog.set_level(logging.DEBUG)
    code = cli.main(["ingest", "--json", "--db", db_url, "--user", "cán bộ", str(path)])
    out = capsys.readouterr()
    assert code == 0, out
    (item,) = json.loads(out.out)["files"]
    assert item["status"] == "imported" and item["kind"] == "records" and item["units_read"] == 3
    _assert_no_personal_data((out.out + out.err + caplog.text).encode())
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        for table in sa.inspect(engine).get_table_names():
            dump = json.dumps(
                [list(map(str, r)) for r in conn.execute(sa.text(f"SELECT * FROM {table}"))],
                ensure_ascii=False,
            )
            _assert_no_personal_data(dump.encode())
    engine.dispose()
    _assert_no_personal_data(_db_bytes(db_url))


def test_personal_columns_are_never_parsed_into_python_objects(monkeypatch):
    seen = []
    original = readers.csv_chunks

    def spy(data, source, usecols, width, *args, **kwargs):
        for start, frame in original(data, source, usecols, width, *args, **kwargs):
            seen.append((list(usecols), frame.copy()))
            yield start, frame

    monkeypatch.setattr(records, "csv_chunks", spy)
    report = ingest.import_bytes(
        None, export_csv().encode(), "xuat.csv", limits=readers.Limits(head_bytes=512)
    )
    assert report.status == "checked", report.message
    # Commune, district, date, status; the birth date, only to count the elderly and the
    # pupils: it stays Arrow data (reduced to a year there), never Python text; and the
    # application's number, only to count an application listed twice once: Arrow text,
    # compared there.
    assert seen and all(cols == [1, 3, 5, 6, 7, 8] for cols, _ in seen)
    for _, frame in seen:
        births = frame[3]
        assert isinstance(births.dtype, pd.ArrowDtype) and pa.types.is_dictionary(births.dtype.pyarrow_dtype)
        assert isinstance(frame[1].dtype, pd.ArrowDtype) and pa.types.is_string(frame[1].dtype.pyarrow_dtype)
    text = "".join(frame.drop(columns=[1, 3]).to_csv() for _, frame in seen)
    assert "Zyxqvar" not in text and "0389917" not in text and "1911" not in text
    # The groups the birth years gave (born 1911: elderly) — and nothing of the dates.
    assert report.breakdowns["dimensions"]["group"]["values"] == ["Người cao tuổi"]
    assert set(report.parts["value"]) == {"Người cao tuổi"} and "1911" not in report.parts.to_csv()


def test_streaming_in_small_chunks_gives_the_same_counts(monkeypatch):
    data = export_csv().encode()
    whole = ingest.import_bytes(None, data, "xuat.csv").observations
    monkeypatch.setattr(delimited, "WHOLE_PARSE_BYTES", 0)  # stream, as a big export is
    monkeypatch.setattr(records, "CHUNK_ROWS", 7)
    small = ingest.import_bytes(None, data, "xuat.csv", limits=readers.Limits(head_bytes=300)).observations
    assert (
        whole.sort_values(["unit_key", "date", "metric"]).values.tolist()
        == small.sort_values(["unit_key", "date", "metric"]).values.tolist()
    )


def _awkward_exports() -> dict[str, str]:
    text = export_csv()
    lines = text.splitlines(keepends=True)
    head, body = lines[:-60], lines[-60:]
    quoted = [line.replace("Zyxqvar Wobbleton 007", '"Zyxqvar, Wobbleton\n007"') for line in body]
    return {
        "plain": text,
        "blank lines": "".join(head + body[:20] + ["\n", ",,,,,,,,\n"] + body[20:]),
        "quoted newline": "".join(head + quoted),
        "short line": "".join(head + body[:30] + ["5,HS,Ten,01/01/1990\n"] + body[30:]),
        "long line": "".join(head + body[:30] + [body[30].rstrip("\n") + ",x,y\n"] + body[31:]),
        "crlf": text.replace("\n", "\r\n"),
    }


@pytest.mark.parametrize("name", list(_awkward_exports()))
def test_an_export_parsed_whole_or_streamed_gives_the_same_report(name, monkeypatch):
    # Exports up to delimited.WHOLE_PARSE_BYTES are parsed in one call, bigger ones streamed:
    # the same file must give the same report and figures either way, awkward lines too.
    data = _awkward_exports()[name].encode()
    whole = ingest.import_bytes(None, data, "xuat.csv")
    monkeypatch.setattr(delimited, "WHOLE_PARSE_BYTES", 0)
    monkeypatch.setattr(records, "CHUNK_ROWS", 11)
    streamed = ingest.import_bytes(None, data, "xuat.csv")
    assert whole.status == streamed.status == "checked", (whole.message, streamed.message)
    assert whole.rows_read == streamed.rows_read > 0
    assert [p.message for p in whole.problems] == [p.message for p in streamed.problems]
    assert whole.observations.values.tolist() == streamed.observations.values.tolist()


@pytest.mark.parametrize("whole", [True, False])
def test_columns_made_dictionaries_by_the_parse_are_the_ones_encoded_after_it(whole, monkeypatch):
    # A place or a status is made a dictionary block by block as Arrow parses; the blocks'
    # dictionaries (each its own first appearances) must join into the very dictionary and
    # codes that encoding the whole column after the parse gives, in whatever order the
    # communes first appear, and the import's figures must not change.
    rows = [r for k in range(10) for r in export_rows(start=date(2021, 3, 1) + timedelta(days=4 * k))]
    rows = rows[::-1][:300] + rows[:300]  # communes and days first met in another order
    data = export_csv(rows).encode()
    usecols = [5, 6, 7, 8]
    monkeypatch.setattr(delimited, "ARROW_BLOCK_BYTES", 1 << 10)  # ~a dozen rows a block
    if not whole:
        monkeypatch.setattr(delimited, "WHOLE_PARSE_BYTES", 0)
    source = readers.CsvSource(encoding="utf-8", codec="utf-8", legacy=None, delimiter=",")

    def read(few):
        (frame,) = [f for _, f in delimited.csv_chunks(data, source, usecols, 9, 10**6, skip=1, few=few)]
        return frame

    asked = []
    real = delimited._arrow_options
    monkeypatch.setattr(delimited, "_arrow_options", lambda *a, **k: asked.append(real(*a, **k)) or asked[-1])
    after, during = read(()), read((5, 6, 8))
    types = [o["convert_options"].column_types for o in asked]
    assert not any(pa.types.is_dictionary(t) for t in types[0].values())
    assert sorted(c for c, t in types[-1].items() if pa.types.is_dictionary(t)) == ["5", "6", "8"]
    for column in usecols:
        left, right = (pa.array(f[column].array) for f in (after, during))
        assert left.dictionary.equals(right.dictionary), column
        assert left.indices.equals(right.indices), column
    plain = ingest.import_bytes(None, data, "xuat.csv")
    monkeypatch.setattr(records.layouts, "record_few", lambda layout: ())
    assert ingest.import_bytes(None, data, "xuat.csv").observations.equals(plain.observations)


@pytest.mark.parametrize("whole", [True, False])
def test_quoted_line_breaks_on_block_cuts_are_read_again_by_arrow_not_pandas(whole, monkeypatch):
    # Arrow cuts blocks at line breaks (fast); a quoted value whose line break falls on a
    # cut stops the read, and the file is read again allowing such values.  Tiny blocks put
    # many cuts inside the quoted addresses; the figures must be pandas' figures.
    text = export_csv()
    data = re.sub(r"Zyxqvar Wobbleton (\d+)", lambda m: f'"Zyxqvar,\nWobbleton {m[1]}"', text).encode()
    expected = ingest.import_bytes(None, text.encode(), "xuat.csv")
    engines = []
    original = readers.csv_chunks

    def spy(*args, **kwargs):
        engines.append(kwargs.get("engine"))
        yield from original(*args, **kwargs)

    monkeypatch.setattr(records, "csv_chunks", spy)
    monkeypatch.setattr(delimited, "ARROW_BLOCK_BYTES", 256)
    if not whole:
        monkeypatch.setattr(delimited, "WHOLE_PARSE_BYTES", 0)
    report = ingest.import_bytes(None, data, "xuat.csv")
    assert report.status == expected.status == "checked", report.message
    assert engines == ["auto", "arrow-multiline"]
    assert report.observations.values.tolist() == expected.observations.values.tolist()
    assert report.rows_read == expected.rows_read


def test_legacy_and_utf16_exports_are_decoded(tmp_path):
    rows = export_rows(24)
    tcvn = legacy_text._to_tcvn3(export_csv(rows)).encode("latin-1")
    utf16 = b"\xff\xfe" + export_csv(rows).replace(",", "\t").encode("utf-16-le")
    for name, data in (("tcvn3.csv", tcvn), ("unicode.txt", utf16)):
        report = ingest.import_bytes(None, data, name, limits=readers.Limits(head_bytes=400))
        assert report.status == "checked", report.message
        assert set(report.observations.unit_key) == set(CODES.values()), name
        assert report.record_export["statuses_returned"] == {"Đã trả thẻ": 6, "Trả thẻ cho công dân": 6}


def test_rows_without_commune_or_date_are_counted_out_by_row_number_only():
    rows = export_rows(12)
    rows[3] = rows[3][:5] + ("",) + rows[3][6:]
    rows[5] = rows[5][:7] + ("",) + rows[5][8:]
    report = ingest.import_bytes(None, export_csv(rows).encode(), "xuat.csv")
    assert report.status == "checked" and report.record_export["rows"] == 10
    no_commune, no_date = sorted(
        (p for p in report.warnings if p.code.startswith("record_")), key=lambda p: p.code
    )
    assert no_commune.row == 5 and no_commune.column == "F" and "1 hồ sơ" in no_commune.message
    assert no_date.row == 7 and no_date.column == "H"
    _assert_no_personal_data(json.dumps(report.to_dict(), ensure_ascii=False, default=str).encode())


@pytest.mark.parametrize(
    ("status", "void"),
    [
        ("Hủy", True),
        ("Đã hủy hồ sơ", True),
        ("Từ chối", True),
        ("Không đủ điều kiện", True),
        ("Đang sản xuất", False),
        ("Đã trả thẻ", False),
        ("Huy", True),
        ("", False),
        # A system set to English.
        ("Cancelled", True),
        ("Canceled", True),
        ("Rejected", True),
        ("Received", False),
        ("Returned", False),
    ],
)
def test_statuses_that_say_the_application_was_cancelled_or_refused(status, void):
    assert records.is_void(status) is void


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_cancelled_and_refused_applications_are_not_counted_and_said(kind):
    rows = export_rows(12)
    rows[2] = rows[2][:8] + ("Đã hủy",)
    rows[7] = rows[7][:8] + ("Từ chối",)
    if kind == "csv":
        data, name = export_csv(rows).encode(), "xuat.csv"
    else:
        book = openpyxl.Workbook()
        book.active.append(HEADER.strip().split(","))
        for r in rows:
            book.active.append(list(r))
        out = io.BytesIO()
        book.save(out)
        data, name = out.getvalue(), "xuat.xlsx"
    report, obs = ingest.read_observations(data, name)
    assert obs is not None, report.message
    kept = [r for i, r in enumerate(rows) if i not in (2, 7)]
    daily = obs[obs.metric == "collected"].groupby("unit_key").value.max()
    assert daily.sum() == len(kept)
    void = next(p for p in report.problems if p.code == "record_void")
    assert void.row == 4 and void.column == "I" and "2 hồ sơ" in void.message and "«Đã hủy»" in void.message


def test_an_export_continues_the_cumulative_already_stored(store, tmp_path):
    earlier = (
        "date,district,commune,collected,returned\n"
        "2021-03-20,Huyện Kỳ Anh,Xã Kỳ Đồng,1000,800\n2021-03-20,Huyện Kỳ Anh,Xã Kỳ Tân,2000,1500\n"
    )
    assert ingest.import_bytes(store, earlier.encode(), "truoc.csv").status == "imported"
    report = ingest.import_bytes(store, export_csv().encode(), "xuat.csv")
    assert report.status == "imported", report.message
    assert report.record_export["baseline_units"] == 2
    assert "records_continue_stored" in {p.code for p in report.warnings}
    obs = store.current_observations()
    last = obs[obs.metric == "collected"].sort_values("date").groupby("unit_key")["value"].last().to_dict()
    assert last == {"18775": 1020, "18814": 2020, "18850": 20}
    returned = obs[(obs.metric == "returned") & (obs.date == "2021-03-25")].set_index("unit_key")["value"]
    assert returned["18775"] == 800 + 10 and returned["18850"] == 10


def test_export_with_a_return_date_counts_returned_on_that_day():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH HỒ SƠ"])
    sheet.append(["Số hồ sơ", "Họ tên", "Xã/phường thường trú", "Ngày tiếp nhận", "Ngày trả thẻ"])
    sheet.append(["A1", NAMES[0], "Xã Kỳ Đồng", "22/03/2021", "25/03/2021"])
    sheet.append(["A2", NAMES[1], "Xã Kỳ Đồng", "22/03/2021", None])
    sheet.append(["A3", NAMES[2], "Xã Kỳ Đồng", "23/03/2021", "25/03/2021"])
    raw = io.BytesIO()
    book.save(raw)
    report = ingest.import_bytes(None, raw.getvalue(), "ds.xlsx", report_date=None)
    assert report.status == "checked", report.message
    rows = {(d.isoformat(), m): v for _, d, m, v, _ in report.observations.itertuples(index=False)}
    assert rows[("2021-03-22", "collected")] == 2 and rows[("2021-03-23", "collected")] == 3
    assert rows[("2021-03-24", "returned")] == 0 and rows[("2021-03-25", "returned")] == 2
    assert report.record_export["returned_from"] == "returned_date"


def test_an_exports_errors_point_at_a_record_of_that_day_and_the_column_the_figure_comes_from(
    store, tmp_path
):
    from tests.conftest import ROOT

    later = tmp_path / "sau.csv"
    later.write_text(
        "date,district,commune,collected,returned\n2021-03-27,Huyện Kỳ Anh,Xã Kỳ Xuân,1,0\n", encoding="utf-8"
    )
    assert ingest.import_file(store, later).status == "imported"
    export = ROOT / "tests" / "fixtures" / "corpus" / "17_ho_so_xuat_ky_anh.csv"
    report = ingest.import_file(store, export)
    assert report.status == "refused"
    lines = export.read_text(encoding="utf-8-sig").splitlines()
    first_on = {}
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split(",")
        first_on.setdefault((cells[6], cells[9][:10]), number)
    (collected,) = [p for p in report.errors if "thu nhận" in p.message]
    (returned,) = [p for p in report.errors if "trả thẻ" in p.message]
    assert "«Xã Kỳ Xuân» ngày 26/3/2021" in collected.message
    assert (collected.row, collected.column) == (first_on[("Xã Kỳ Xuân", "26/03/2021")], "J")
    assert returned.column == "K"  # from the status column, "Trạng thái"


@pytest.mark.parametrize("name", list(_awkward_exports()))
def test_an_export_parsed_ahead_gives_the_report_of_one_parsed_in_turn(name, tmp_path, monkeypatch):
    # `cccd ingest` starts Arrow's parse of a big export before its heavy imports
    # (ingest.read_ahead); the import must take that result only for the very parse it
    # would make, and report exactly what a parse in turn reports, awkward lines too.
    import pyarrow.csv as pacsv

    from cccd_analytics.ingest import pipeline, read_ahead

    monkeypatch.setattr(pipeline, "STREAM_FROM_DISK_BYTES", 0)
    monkeypatch.setattr(read_ahead, "STREAM_FROM_DISK_BYTES", 0)
    path = tmp_path / "xuat.csv"
    path.write_bytes(_awkward_exports()[name].encode())
    in_turn = ingest.import_file(None, path)
    parses = []
    real = pacsv.read_csv
    monkeypatch.setattr(pacsv, "read_csv", lambda *a, **k: parses.append(1) or real(*a, **k))
    assert read_ahead.start(path)
    ahead = ingest.import_file(None, path)
    assert not delimited._AHEAD  # taken or dropped, never left behind
    assert in_turn.status == ahead.status == "checked", (in_turn.message, ahead.message)
    assert in_turn.rows_read == ahead.rows_read > 0
    assert [p.message for p in in_turn.problems] == [p.message for p in ahead.problems]
    assert in_turn.observations.values.tolist() == ahead.observations.values.tolist()
    if name in ("plain", "blank lines", "crlf"):
        assert len(parses) == 1  # the parse begun ahead; the import parsed nothing itself


def test_a_parse_begun_ahead_gives_arrow_its_threads_back(tmp_path, monkeypatch):
    # The parse begun ahead runs on one of Arrow's threads while the imports hold the
    # other core; once the import has it (or drops it), Arrow may use every core again,
    # for this import and for whatever the process does next.
    import pyarrow as pa

    from cccd_analytics.ingest import pipeline, read_ahead

    monkeypatch.setattr(pipeline, "STREAM_FROM_DISK_BYTES", 0)
    monkeypatch.setattr(read_ahead, "STREAM_FROM_DISK_BYTES", 0)
    before = pa.cpu_count()
    monkeypatch.setattr(
        delimited, "_widen_arrow", lambda real=delimited._widen_arrow: widened.append(1) or real()
    )
    widened: list = []
    try:
        path = tmp_path / "xuat.csv"
        path.write_text(export_csv(export_rows(45)), encoding="utf-8")
        assert read_ahead.start(path)
        assert pa.cpu_count() == 1 or widened  # narrowed, unless the parse has already ended
        assert ingest.import_file(None, path).status == "checked"
        assert pa.cpu_count() == before
        assert read_ahead.start(path)
        path.write_text(export_csv(export_rows(60)), encoding="utf-8")  # its parse is dropped
        assert ingest.import_file(None, path).rows_read == 60
        assert pa.cpu_count() == before
    finally:
        pa.set_cpu_count(before)


def test_an_export_changed_after_its_parse_began_is_parsed_again(tmp_path, monkeypatch):
    from cccd_analytics.ingest import pipeline, read_ahead

    monkeypatch.setattr(pipeline, "STREAM_FROM_DISK_BYTES", 0)
    monkeypatch.setattr(read_ahead, "STREAM_FROM_DISK_BYTES", 0)
    path = tmp_path / "xuat.csv"
    path.write_text(export_csv(export_rows(45)), encoding="utf-8")
    assert read_ahead.start(path)
    rows = export_rows(60)
    path.write_text(export_csv(rows), encoding="utf-8")
    report = ingest.import_file(None, path)
    assert report.rows_read == 60 and not read_ahead._HEAD
    assert (
        report.observations.values.tolist()
        == ingest.import_bytes(None, path.read_bytes(), "xuat.csv").observations.values.tolist()
    )


def test_the_head_read_ahead_is_handed_to_the_import_of_that_very_file_once(tmp_path, monkeypatch):
    # The import takes the head `start` decoded rather than decoding it again, only for the
    # same file (path, size, modification time) read under the same name and limits.
    from cccd_analytics.ingest import pipeline, read_ahead
    from cccd_analytics.ingest.readers import FileData, Limits

    monkeypatch.setattr(read_ahead, "STREAM_FROM_DISK_BYTES", 0)
    path = tmp_path / "xuat.csv"
    path.write_text(export_csv(export_rows(45)), encoding="utf-8")
    data = FileData(path, path.stat().st_size)
    assert read_ahead.start(path)
    assert read_ahead.head_read(data, "khac.csv", Limits()) is None  # another name: dropped
    assert read_ahead.start(path)
    book = read_ahead.head_read(data, "xuat.csv", Limits())
    assert book is not None and book.sheets[0].rows[0][0] == "STT"
    assert read_ahead.head_read(data, "xuat.csv", Limits()) is None  # once
    read = []
    real = pipeline.read_workbook
    monkeypatch.setattr(pipeline, "read_workbook", lambda *a, **k: read.append(1) or real(*a, **k))
    monkeypatch.setattr(pipeline, "STREAM_FROM_DISK_BYTES", 0)
    assert read_ahead.start(path)
    assert ingest.import_file(None, path).status == "checked" and read == []


def test_only_a_per_record_export_streamed_from_disk_is_parsed_ahead(tmp_path, monkeypatch):
    from cccd_analytics.ingest import read_ahead

    small = tmp_path / "xuat.csv"
    small.write_text(export_csv(), encoding="utf-8")
    assert not read_ahead.start(small)  # read whole into memory by the import: nothing to overlap
    monkeypatch.setattr(read_ahead, "STREAM_FROM_DISK_BYTES", 0)
    canonical = tmp_path / "bao_cao.csv"
    canonical.write_text(
        "Ngày,Tỉnh,Huyện,Xã,Lũy kế thu nhận\n15/03/2021,Hà Tĩnh,Kỳ Anh,Kỳ Tân,10\n", encoding="utf-8"
    )
    assert not read_ahead.start(canonical)
    assert not read_ahead.start(tmp_path / "missing.csv")
    assert not delimited._AHEAD


def test_an_exports_header_is_found_without_matching_its_records_against_the_vocabulary(monkeypatch):
    # Two records under a complete export header (a day received, a commune) end the
    # header scan: the names, ID numbers and phones of the records below are not matched
    # one by one against the header vocabulary (they were, 38 rows of them, per file).
    from cccd_analytics.ingest import headers, layout

    seen = []
    real = headers.match_record
    monkeypatch.setattr(headers, "match_record", lambda text: seen.append(text) or real(text))
    rows = [r.split(",") for r in export_csv().splitlines()]
    found = layout.locate(rows)
    assert found.kind == "records" and found.first_data_row == 1
    assert NAMES[0] in seen and NAMES[2] not in seen
    # A row of column numbers under the header is not a record: the scan goes on past it.
    numbered = [rows[0], [str(i + 1) for i in range(len(rows[0]))], *rows[1:]]
    found = layout.locate(numbered)
    assert found.kind == "records" and found.first_data_row == 2


def test_cccd_ingest_of_one_big_export_parses_it_ahead_and_stores_what_it_would_otherwise(
    tmp_path, monkeypatch
):
    from cccd_analytics.ingest import pipeline, read_ahead
    from cccd_analytics.store import Store

    monkeypatch.setattr(pipeline, "STREAM_FROM_DISK_BYTES", 0)
    monkeypatch.setattr(read_ahead, "STREAM_FROM_DISK_BYTES", 0)
    path = tmp_path / "ho_so.csv"
    path.write_text(export_csv(), encoding="utf-8")
    started = []
    real = read_ahead.start
    monkeypatch.setattr(read_ahead, "start", lambda p: started.append(real(p)) or started[-1])
    ahead_url, in_turn_url = (f"sqlite:///{tmp_path / name}" for name in ("a.sqlite", "b.sqlite"))
    assert cli.main(["ingest", str(path), "--db", ahead_url]) == 0
    assert started == [True] and not delimited._AHEAD
    monkeypatch.setattr(read_ahead, "start", lambda p: False)
    assert cli.main(["ingest", str(path), "--db", in_turn_url]) == 0
    ahead, in_turn = Store.open(ahead_url), Store.open(in_turn_url)
    assert (
        ahead.current_observations()
        .drop(columns="upload_id")
        .equals(in_turn.current_observations().drop(columns="upload_id"))
    )
    assert len(ahead.current_parts()) and ahead.current_parts().equals(in_turn.current_parts())
    for store in (ahead, in_turn):
        store.engine.dispose()


def _births_of_every_group(rows):
    """The rows with birth dates that put them in each priority group in March 2021 (and in
    none): elderly, of grade 9's and grade 12's age, and an adult of no group."""
    years = (1950, 2006, 2003, 1990, 2005)
    return [
        (*r[:3], f"{1 + i % 28:02d}/0{1 + i % 9}/{years[i % len(years)]}", *r[4:]) for i, r in enumerate(rows)
    ]


def test_ages_of_one_class_fall_in_the_same_part_in_every_month():
    """The tally counts a record under its age's class (record_tally._age_classes): each age
    must be in the same priority group as its class's age in every month, and an age left
    out must be in no group in any month."""
    from cccd_analytics import dimensions
    from cccd_analytics.ingest.record_tally import _age_classes

    classes = _age_classes()
    assert len(set(classes[classes >= 0].tolist())) < 10 and (classes == -1).sum() > 40
    for age, kept in enumerate(classes.tolist()):
        for month in range(1, 13):
            group = dimensions.group_of_age(age, month)
            assert group == (dimensions.group_of_age(kept, month) if kept >= 0 else None), (age, month)


def test_an_exports_parts_are_the_same_however_its_days_are_written_and_classed():
    """Birth years are classed by age with the year of the received day's text: days written
    dd/mm/yyyy or yyyy-mm-dd, or in a form the tally does not read (each birth year then
    counted as it is), give the same parts, across the turn of the school year."""
    from unittest import mock

    from cccd_analytics.ingest import record_tally

    rows = _births_of_every_group(export_rows(60, start=date(2021, 8, 30)))
    iso = [(*r[:7], f"{r[7][6:10]}-{r[7][3:5]}-{r[7][:2]}{r[7][10:]}", *r[8:]) for r in rows]

    def parts_of(rows_):
        report, _ = ingest.read_observations(export_csv(rows_).encode(), "xuat.csv")
        assert report.status == "checked", report.message
        return report.parts.sort_values(["unit_key", "value", "date"]).reset_index(drop=True)

    classed = parts_of(rows)
    assert parts_of(iso).equals(classed)
    with mock.patch.object(record_tally, "_year_of_day", lambda text: -1):
        assert parts_of(rows).equals(classed)
    assert {"Người cao tuổi", "Học sinh lớp 9", "Học sinh lớp 12"} <= set(classed["value"])
    assert len(set(classed["date"])) > 2


def test_an_exports_parts_in_force_are_what_its_rows_add_up_to_written_either_way(tmp_path, monkeypatch):
    """A first load writes its parts marked in force and nothing else (nothing of its units to
    replace); with the statements that replace parts in force run as well, the same rows are
    stored and in force, and both are the running counts of the raw rows per commune,
    priority group and day."""
    from cccd_analytics import dimensions
    from cccd_analytics.store import Store, uploads

    rows = _births_of_every_group(export_rows(60))
    data = export_csv(rows).encode()
    stores = {}
    for way in ("plain", "replacing"):
        if way == "replacing":
            monkeypatch.setattr(uploads, "_parts_stored", lambda conn, keys: True)
        stores[way] = Store.open(f"sqlite:///{tmp_path / way}.sqlite")
        report = ingest.import_bytes(stores[way], data, "xuat.csv")
        assert report.status == "imported", report.message

    def written(store):
        with store.engine.connect() as conn:
            parts = conn.exec_driver_sql(
                "SELECT upload_id, unit_key, date, dimension, value, metric, count FROM breakdowns"
            ).all()
        observations = store.current_observations().sort_values(["unit_key", "metric", "date"])
        return sorted(map(tuple, parts)), store.current_parts(), observations.reset_index(drop=True)

    plain, replacing = written(stores["plain"]), written(stores["replacing"])
    assert plain[0] == replacing[0] and len(plain[0])
    assert plain[1].equals(replacing[1]) and plain[2].equals(replacing[2])
    # The figures from the raw rows: on each day a part is stored, the applications of that
    # commune and group received up to that day.
    received = []
    for r in rows:
        day = date(int(r[7][6:10]), int(r[7][3:5]), int(r[7][:2]))
        group = dimensions.group_of_age(day.year - int(r[3][-4:]), day.month)
        received.append((CODES[r[5]], group, day))
    parts = plain[1]
    assert set(parts["dimension"]) == {"group"} and set(parts["metric"]) == {"collected"}
    seen = {(u, g) for u, g, _ in received if g}
    assert set(zip(parts["unit_key"], parts["value"])) == seen and len(seen) == 9
    for unit, group, day, count in zip(parts["unit_key"], parts["value"], parts["date"], parts["count"]):
        assert count == sum(1 for u, g, d in received if (u, g) == (unit, group) and d <= day.date())
    last = max(d for _, _, d in received)
    assert {d.date() for d in parts.groupby(["unit_key", "value"])["date"].max()} == {last}
    collected = plain[2][plain[2]["metric"] == "collected"]
    for unit, day, value in zip(collected["unit_key"], collected["date"], collected["value"]):
        assert value == sum(1 for u, _, d in received if u == unit and d <= day.date())
    for store in stores.values():
        store.engine.dispose()


def _export_book(sheets: list[list[tuple]], headers: list[bool]) -> bytes:
    book = openpyxl.Workbook()
    for i, (rows, header) in enumerate(zip(sheets, headers)):
        sheet = book.active if i == 0 else book.create_sheet()
        sheet.title = f"Sheet{i + 1}"
        if header:
            sheet.append(HEADER.strip().split(","))
        for r in rows:
            sheet.append(list(r))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("second_header", [True, False])
def test_an_export_split_over_sheets_is_read_whole_as_one_list(db_url, tmp_path, second_header):
    """An .xls sheet holds 65.536 rows: a longer export goes on in the next sheets, with the
    header again or without one.  Read as one list it gives the figures the same records
    give in one sheet; a record's problem names its own sheet and row."""
    rows = export_rows(60)
    rows[45] = (*rows[45][:5], "", *rows[45][6:])  # Sheet2 row 6 (5 with no header): no commune
    one = Store.open(f"sqlite:///{tmp_path / 'one.sqlite'}")
    whole = ingest.import_bytes(one, _export_book([rows], [True]), "xuat.xlsx")
    assert whole.status == "imported", whole.message
    split = Store.open(db_url)
    report = ingest.import_bytes(
        split, _export_book([rows[:40], rows[40:]], [True, second_header]), "xuat.xlsx"
    )
    assert report.status == "imported", report.message
    assert report.sheets_read == ["Sheet1", "Sheet2"]
    assert report.rows_read == whole.rows_read == 59
    (gap,) = [p for p in report.problems if p.code == "record_without_commune"]
    own_row = 7 if second_header else 6
    assert (gap.sheet, gap.row) == ("Sheet2", own_row), gap
    assert f"dòng {own_row} (trang «Sheet2»)" in gap.message
    assert_frame_equal(
        split.current_observations().drop(columns="upload_id"),
        one.current_observations().drop(columns="upload_id"),
    )
    one.engine.dispose()


def test_a_problem_in_the_third_sheet_of_an_export_names_that_sheet(store):
    rows = export_rows(60)
    rows[55] = (*rows[55][:7], "không rõ", rows[55][8])  # no day received: Sheet3, row 6
    report = ingest.import_bytes(
        store, _export_book([rows[:20], rows[20:40], rows[40:]], [True] * 3), "x.xlsx"
    )
    assert report.status == "imported", report.message
    assert report.sheets_read == ["Sheet1", "Sheet2", "Sheet3"]
    (bad,) = [p for p in report.problems if p.code == "bad_date"]
    assert (bad.sheet, bad.row) == ("Sheet3", 17), bad
    assert "dòng 17 (trang «Sheet3»)" in bad.message


def test_an_export_counting_below_a_report_of_the_same_day_is_refused(store):
    # A report of 23/3 already says Kỳ Tân had 1.000 applications; the export counts its own
    # from 22/3 (a handful): it does not hold every application since the campaign began.
    report_csv = "Ngày,Huyện,Xã,Lũy kế thu nhận\n23/03/2021,Huyện Kỳ Anh,Xã Kỳ Tân,1000\n"
    assert ingest.import_bytes(store, report_csv.encode(), "bc_23_03.csv").status == "imported"
    report = ingest.import_bytes(store, export_csv().encode(), "xuat.csv")
    assert report.status == "refused"
    (error,) = report.errors
    assert error.code == "records_below_stored" and "«Xã Kỳ Tân» ngày 23/3/2021" in error.message
    assert "1.000" in error.message and error.column is not None and error.row
    assert len(store.list_uploads()) == 1


@pytest.mark.parametrize(
    "written",
    ["{time}:07 {day}", "{time} {day}", "{time} - {day}", "{day}\u00a0{time}", "{day}\t{time}:07"],
)
def test_a_received_time_written_before_its_day_is_read_by_the_day(written):
    # "08:15:22 23/05/2023": some systems write the time first; every record was refused as
    # an unreadable day.  A web form's no-break space between the day and its time was too.
    rows = [(*r[:7], written.format(time=r[7][11:], day=r[7][:10]), r[8]) for r in export_rows()]
    report = ingest.import_bytes(None, export_csv(rows).encode(), "xuat.csv")
    assert report.status == "checked", report.message
    cum = report.observations[report.observations.metric == "collected"]
    assert cum.groupby("unit_key")["value"].max().to_dict() == {"18775": 20, "18814": 20, "18850": 20}
    assert set(cum.date) == {date(2021, 3, 22) + timedelta(days=k) for k in range(4)}


def test_an_ambiguous_day_warning_shows_the_files_first_such_day_on_every_run(tmp_path):
    # 5–8/3/2021 written dd/mm: each could be a day of May to August.  The example was the
    # first of a set of texts, which changes with each process's hash seed.
    rows = export_rows(start=date(2021, 3, 5))
    script = (
        "import sys; from cccd_analytics import ingest; "
        "r = ingest.import_bytes(None, open(sys.argv[1], 'rb').read(), 'xuat.csv'); "
        "print([p.message for p in r.problems if p.code == 'ambiguous_date'])"
    )
    from tests.conftest import ROOT

    path = tmp_path / "xuat.csv"
    path.write_text(export_csv(rows), encoding="utf-8")
    said = set()
    for seed in ("1", "2", "3", "4", "5", "6"):
        run = subprocess.run(
            [sys.executable, "-c", script, str(path)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=ROOT,
        )
        said.add(run.stdout.strip())
    (only,) = said
    assert "«05/03/2021»" in only


def test_an_exports_current_residences_are_classed_against_its_province():
    """An export of Hà Tĩnh's Kỳ Anh with a current-address column: an applicant whose home
    commune is Kỳ Tân but who lives in another province lives outside; one living in the
    province is in it.  Split by residence alone, the export's province is its applicants'
    homes' (it was found from the other parts only, and with none every applicant was in the
    province).  The classes are values the counted column never held (a categorical of the
    addresses' provinces refused them)."""
    from cccd_analytics import dimensions

    text = (
        "STT,Họ và tên,Xã/Phường thường trú,Huyện,Tỉnh,Nơi ở hiện tại,Ngày tiếp nhận\n"
        '1,A,Xã Kỳ Tân,Huyện Kỳ Anh,Tỉnh Hà Tĩnh,"Khối 3, Phường Hưng Bình, TP Vinh, Tỉnh Nghệ An",15/03/2021\n'
        '2,B,Xã Kỳ Tân,Huyện Kỳ Anh,Tỉnh Hà Tĩnh,"Xã Kỳ Tân, Huyện Kỳ Anh, Tỉnh Hà Tĩnh",15/03/2021\n'
        '3,C,Xã Kỳ Tân,Huyện Kỳ Anh,Tỉnh Hà Tĩnh,"Xóm 2, Xã Kỳ Tân, Hà Tĩnh",15/03/2021\n'
    )
    report = ingest.import_bytes(None, text.encode(), "xuat.csv")
    assert report.status == "checked", report.message
    residence = report.parts[report.parts["dimension"] == "residence"]
    counts = residence.groupby("value", observed=True)["count"].max().to_dict()
    assert counts == {dimensions.OUTSIDE: 1, dimensions.IN_PROVINCE: 2}
