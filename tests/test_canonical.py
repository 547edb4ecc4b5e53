"""A plain canonical CSV read a column at a time (ingest/canonical.py) gives exactly what the
row-by-row reading gives — the same rows, figures, problems and description — and any file
that is not plain is left to the row-by-row reading."""

from pathlib import Path

import pandas as pd
import pytest

from cccd_analytics import ingest
from cccd_analytics.ingest import canonical

ROOT = Path(__file__).resolve().parents[1]
VI = "Ngày,Tỉnh,Huyện,Xã,Mã xã,Số công dân đủ điều kiện,Lũy kế thu nhận,Lũy kế trả thẻ\n"
ROWS = (
    "15/03/2021,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,18775,4489,300,120\n"
    "15/03/2021,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,18778,6459,410,200\n"
    "16/03/2021,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,18775,4489,321,130\n"
    "16/03/2021,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,18778,6459,433,210\n"
    "16/03/2021,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Không Có Thật,,1000,10,0\n"
)

# A CSV saved from a sheet typed in a TCVN3 font (.VnTime): Unicode bytes, legacy letters.
LEGACY = "".join(
    f"{15 + d}/03/2021,TØnh Hµ TÜnh,HuyÖn Kú Anh,X· Kú §ång {u},,4489,{300 + d},0\n"
    for d in range(3)
    for u in range(40)
)

# Files the column-wise reading takes: (name, content).
PLAIN = {
    "plain": VI + ROWS,
    "semicolons_and_bom": "\ufeff" + (VI + ROWS).replace(",", ";"),
    "tabs_crlf": (VI + ROWS).replace(",", "\t").replace("\n", "\r\n"),
    "decomposed_text": __import__("unicodedata").normalize("NFD", VI + ROWS),
    "english_iso_dates": "date,province,district,commune,commune_code,eligible,collected,collected_day,returned\n"
    "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,18775,4489,321,12,0\n"
    "2021-03-16,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,18775,4489,330,,0\n",
    "police_prefix_and_numbering": VI
    + ROWS.replace("Xã Kỳ Tân", "CA xã Kỳ Tân").replace("Xã Kỳ Đồng", "1. Xã Kỳ Đồng"),
    "spaces_in_numbers_and_blanks": VI + ROWS.replace(",4489,", ", 4489 ,").replace(",120\n", ",\n"),
    "row_without_a_running_total": VI
    + ROWS
    + "16/03/2021,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Thọ,18781,5000,,3\n",
    "no_district_after_the_reform": "Ngày,Tỉnh,Huyện,Xã,Lũy kế thu nhận\n"
    "15/07/2025,Tỉnh Hà Tĩnh,,Xã Kỳ Anh,10\n15/07/2025,Tỉnh Hà Tĩnh,,Phường Hoành Sơn,20\n",
    "stt_column": "STT,Ngày,Huyện,Xã,Lũy kế thu nhận\n"
    "1,15/03/2021,Huyện Kỳ Anh,Xã Kỳ Đồng,300\n2,15/03/2021,Huyện Kỳ Anh,Xã Kỳ Tân,410\n",
    "title_above_the_header": "BÁO CÁO THU NHẬN HỒ SƠ,,,,,,,\n,,,,,,,\n" + VI + ROWS,
    "falling_cumulative": VI + ROWS.replace(",321,130", ",290,130"),
    "duplicate_rows": VI + ROWS + ROWS.splitlines(keepends=True)[0],
    "returned_above_collected": VI + ROWS.replace(",300,120", ",300,320"),
    "thousands_dots": VI + ROWS.replace(",4489,", ",4.489,"),
    "ambiguous_dates": VI + ROWS.replace("15/03/2021", "03/04/2021").replace("16/03/2021", "04/04/2021"),
}

# Files it leaves to the row-by-row reading, which finds and words what they hold.
NOT_PLAIN = {
    "total_row": VI + ROWS + ",,,Tổng cộng,,11948,764,340\n",
    "subtotal_row": VI + "15/03/2021,Tỉnh Hà Tĩnh,,Huyện Kỳ Anh,,10948,710,320\n" + ROWS,
    "blank_line": VI + ROWS.replace("\n", "\n\n", 1),
    "district_written_once": VI
    + ROWS.replace("Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân", "Tỉnh Hà Tĩnh,,Xã Kỳ Tân"),
    "negative": VI + ROWS.replace(",300,", ",-300,"),
    "bad_number": VI + ROWS.replace(",300,", ",ba trăm,"),
    "fraction": VI + ROWS.replace(",300,", ",300.5,"),
    "bad_date": VI + ROWS.replace("16/03/2021", "32/03/2021", 1),
    "missing_date": VI + ROWS.replace("16/03/2021", "", 1),
    "quoted": VI + ROWS.replace("Xã Kỳ Tân", '"Xã Kỳ Tân"'),
    "extra_field": VI + ROWS.replace(",120\n", ",120,ghi chú\n", 1),
    "short_row": VI + ROWS.replace(",18778,6459,410,200\n", ",18778,6459\n", 1),
    "footer": VI + ROWS + "Người lập biểu,,,,,,,\n",
    "part_label_under_a_commune": VI + ROWS + "16/03/2021,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,- Người cao tuổi,,,40,\n",
    "breakdown_column": "Ngày,Huyện,Xã,Nhóm đối tượng,Lũy kế thu nhận\n"
    "15/03/2021,Huyện Kỳ Anh,Xã Kỳ Đồng,,300\n15/03/2021,Huyện Kỳ Anh,Xã Kỳ Đồng,Người cao tuổi,40\n",
    "huge_number": VI + ROWS.replace(",300,", ",12345678901234567890123,"),
    "legacy_font": VI + LEGACY,
    # The names left blank, each unit given by its code alone.
    "codes_without_names": VI
    + "15/03/2021,,,,18775,4489,300,120\n15/03/2021,,,,18778,6459,410,200\n16/03/2021,,,,18775,4489,321,130\n",
}


def test_a_unit_given_by_its_code_alone_is_that_unit_not_a_total():
    """A row whose name cells are blank but whose code cell holds a commune's code was taken
    for an unlabelled total: every row of such a file was "checked against the communes" and
    the file refused as having no commune's figures."""
    report, obs = ingest.read_observations(NOT_PLAIN["codes_without_names"].encode("utf-8"), "codes.csv")
    assert report.ok, [p.message for p in report.problems]
    collected = obs[obs["metric"] == "collected"]
    got = {(k, d.day): v for k, d, v in zip(collected["unit_key"], collected["date"], collected["value"])}
    assert got == {("18775", 15): 300, ("18778", 15): 410, ("18775", 16): 321}


def test_a_districts_total_row_with_its_code_and_no_name_stays_a_total():
    """Only a commune's five-digit code names a unit on a row without a name: a district's
    (447) or a province's (42) code there is its total's row, checked against the communes,
    never stored as a unit's figures."""
    rows = ROWS.splitlines(keepends=True)[:2] + ["15/03/2021,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,,447,10948,999,320\n"]
    report, obs = ingest.read_observations((VI + "".join(rows)).encode("utf-8"), "tong.csv")
    assert "447" not in set(obs["unit_key"])
    assert [w.code for w in report.warnings if w.code == "subtotal_mismatch"]


def _read(data: bytes, name: str, monkeypatch, columnwise: bool):
    with monkeypatch.context() as patch:
        taken = []
        original = canonical.read

        def spy(*args):
            table = original(*args) if columnwise else None
            taken.append(table is not None)
            return table

        patch.setattr(canonical, "read", spy)
        report, obs = ingest.read_observations(data, name)
    return report, obs, any(taken)


def _same(data: bytes, name: str, monkeypatch) -> bool:
    """Read both ways; assert the same outcome; return whether the column-wise one was used."""
    fast, fast_obs, taken = _read(data, name, monkeypatch, True)
    slow, slow_obs, _ = _read(data, name, monkeypatch, False)
    assert fast.to_dict() == slow.to_dict()
    if slow_obs is None:
        assert fast_obs is None
    else:
        pd.testing.assert_frame_equal(fast_obs, slow_obs)
    return taken


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_a_plain_canonical_csv_is_read_column_wise_with_the_same_result(name, monkeypatch):
    assert _same(PLAIN[name].encode("utf-8"), f"{name}.csv", monkeypatch)


@pytest.mark.parametrize("name", sorted(NOT_PLAIN))
def test_a_file_that_is_not_plain_is_read_row_by_row(name, monkeypatch):
    assert not _same(NOT_PLAIN[name].encode("utf-8"), f"{name}.csv", monkeypatch)


@pytest.mark.parametrize(
    "path",
    sorted(ROOT.glob("tests/fixtures/corpus/*.csv")) + sorted(ROOT.glob("sample_data/*/observations.csv")),
    ids=lambda p: p.name if p.parent.name == "corpus" else p.parent.name,
)
def test_corpus_and_sample_files_read_the_same_either_way(path, monkeypatch):
    _same(path.read_bytes(), path.name, monkeypatch)


def test_the_sample_campaigns_are_read_column_wise(monkeypatch):
    for path in ROOT.glob("sample_data/*/observations.csv"):
        assert _same(path.read_bytes(), path.name, monkeypatch), path


def test_a_long_file_read_past_its_head_is_the_same(monkeypatch):
    """Beyond `Limits.head_bytes` the row-by-row reading decodes the file a second time; a
    legacy-font name far down must still be noticed."""
    body = "".join(
        f"{1 + d % 28:02d}/03/2021,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Số {u},,{1000 + u},{10 * d + u},0\n"
        for d in range(28)
        for u in range(400)
    )
    data = (VI + body).encode()
    assert len(data) > ingest.Limits().head_bytes
    assert _same(data, "long.csv", monkeypatch)
    assert not _same((VI + body + LEGACY).encode(), "long_tail.csv", monkeypatch)


def _decodings(data: bytes, name: str, monkeypatch) -> int:
    """How many times the import of `data` decoded text through legacy_text.decode_bytes."""
    from cccd_analytics.ingest import legacy_text

    calls = []
    original = legacy_text.decode_bytes

    def counted(raw, **kwargs):
        calls.append(len(raw))
        return original(raw, **kwargs)

    monkeypatch.setattr(legacy_text, "decode_bytes", counted)
    ingest.read_observations(data, name)
    return len(calls)


def test_a_clean_utf8_file_is_parsed_as_it_is_and_any_line_a_legacy_font_could_have_written_is_decoded(
    monkeypatch,
):
    """A clean UTF-8 file (NFC, no line a legacy font could have produced) is parsed as its
    bytes are, without decoding it a second time; a single such line (every letter one
    cp1252 byte: "Xã Hà" without any "ư", "đ" or "ệ"), or text not in NFC, sends it through
    decoding, and either way the result is the row-by-row reading's."""
    clean = (VI + ROWS).encode()
    candidate = (VI + ROWS + "16/03/2021,Tinh Ha Tinh,Huyen Ky Anh,Xã Hà,,100,10,0\n").encode()
    decomposed = __import__("unicodedata").normalize("NFD", VI + ROWS).encode()
    assert _decodings(clean, "clean.csv", monkeypatch) == 1  # the head, to find the header
    assert _decodings(candidate, "candidate.csv", monkeypatch) == 2
    assert _decodings(decomposed, "decomposed.csv", monkeypatch) == 2
    for data in (clean, candidate, decomposed):
        assert _same(data, "file.csv", monkeypatch)
