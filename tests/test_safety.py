"""Hostile or broken files are refused within seconds, in bounded memory, with a clear
Vietnamese message, and nothing is written."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from cccd_analytics import cli, ingest
from cccd_analytics.ingest.readers import Limits

ROOT = Path(__file__).resolve().parents[1]


def good_xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Huyện", "Xã", "Số CD đủ ĐK", "Lũy kế"])
    sheet.append(["Huyện Kỳ Anh", "Xã Kỳ Đồng", 4489, 300])
    raw = io.BytesIO()
    book.save(raw)
    return raw.getvalue()


def zip_bomb(size: int = 120 * 2**20) -> bytes:
    """A real xlsx whose sheet inflates to `size` bytes from ~100 KB."""
    source = zipfile.ZipFile(io.BytesIO(good_xlsx()))
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                entry = zipfile.ZipInfo(info.filename)
                entry.compress_type = zipfile.ZIP_DEFLATED
                with bomb.open(entry, "w", force_zip64=True) as member:
                    head = source.read(info.filename).split(b"<sheetData>")[0] + b"<sheetData>"
                    member.write(head)
                    chunk = b" " * 2**20
                    for _ in range(size // len(chunk)):
                        member.write(chunk)
                    member.write(b"</sheetData></worksheet>")
            else:
                bomb.writestr(info, source.read(info.filename))
    return raw.getvalue()


def counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        out = {
            t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
            for t in sa.inspect(engine).get_table_names()
        }
    engine.dispose()
    return out


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)


BAD_FILES = {
    "zip_bomb.xlsx": (zip_bomb, "bom nén"),
    "cut_in_half.xlsx": (lambda: good_xlsx()[: len(good_xlsx()) // 2], "không trọn vẹn"),
    "anh.xlsx": (png, "ảnh PNG"),
    "rong.xlsx": (lambda: b"", "rỗng"),
    "trang.csv": (lambda: b"   \r\n\t\n", "rỗng"),
    "cut.xls": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "hỏng"),
    # What Excel saves with a password: an OLE file holding the encrypted package.
    "mat_khau.xlsx": (
        lambda: (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + bytes(504)
            + "EncryptedPackage".encode("utf-16-le")
            + bytes(96)
        ),
        "mật khẩu",
    ),
    "trang_web.xls": (lambda: b"<html><body><table><tr><td>1</td></tr></table></body></html>", "trang web"),
    "van_ban.docx": (lambda: _docx(), "Word"),
    "ghi_chu.csv": (lambda: "Kính gửi Ban chỉ đạo\nXin báo cáo tình hình\n".encode(), "không tìm thấy bảng"),
    "chu_thoi.xlsx": (lambda: _text_only_xlsx(), "không tìm thấy bảng"),
}


def _docx() -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return raw.getvalue()


def _text_only_xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["Kính gửi: Ban chỉ đạo"])
    book.active.append(["Nội dung: đề nghị bổ sung kinh phí"])
    raw = io.BytesIO()
    book.save(raw)
    return raw.getvalue()


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_are_refused_quickly_with_a_vietnamese_reason_and_nothing_written(name, db_url, store):
    make, fragment = BAD_FILES[name]
    data = make()
    before = counts(db_url)
    started = time.monotonic()
    report = ingest.import_bytes(store, data, name)
    elapsed = time.monotonic() - started
    assert report.status == "refused"
    assert fragment in report.message and f"«{name}»" in report.message, report.message
    assert "Không ghi gì" in report.message or "không ghi gì" in report.message
    assert elapsed < 10
    assert counts(db_url) == before


def test_size_limit_refuses_before_reading(tmp_path, db_url, capsys):
    big = tmp_path / "qua_lon.csv"
    with open(big, "wb") as handle:  # a sparse 201 MiB file: nothing is read
        handle.truncate(201 * 2**20)
    started = time.monotonic()
    code = cli.main(["ingest", "--json", "--db", db_url, str(big)])
    out = capsys.readouterr()
    assert code == 2 and time.monotonic() - started < 5
    (item,) = json.loads(out.out)["files"]
    assert "quá lớn" in item["message"] and "200 MiB" in item["message"]
    assert "Traceback" not in out.err


def test_declared_and_real_inflated_sizes_are_both_limited():
    data = zip_bomb(30 * 2**20)
    report = ingest.import_bytes(
        None, data, "bom.xlsx", limits=Limits(max_unzipped=20 * 2**20, max_ratio=1e9)
    )
    assert report.status == "refused" and "20 MiB" in report.message


def test_refusals_from_the_cli_have_no_traceback(tmp_path, db_url, capsys):
    (tmp_path / "anh.xlsx").write_bytes(png())
    (tmp_path / "hong.xlsx").write_bytes(good_xlsx()[:900])
    code = cli.main(["ingest", "--db", db_url, str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "Từ chối tệp «anh.xlsx»" in err and "Từ chối tệp «hong.xlsx»" in err


def test_hostile_files_are_refused_in_bounded_memory(tmp_path):
    """Peak memory of a fresh process grows little while it refuses a zip bomb (300 MiB
    inflated), a 150 MB file of noise and a 150 MB CSV with no table."""
    script = textwrap.dedent(f"""
        import io, os, resource, sys, time, zipfile
        sys.path.insert(0, {str(ROOT)!r})
        sys.path.insert(0, {str(ROOT / "tests")!r})
        from cccd_analytics import ingest
        from test_safety import zip_bomb
        bomb = zip_bomb(300 * 2**20)
        noise = os.urandom(150 * 2**20)
        prose = ("Kính gửi Ban chỉ đạo, xin báo cáo tình hình,\\n" * 3_000_000).encode()
        ingest.import_bytes(None, "Xã,Lũy kế\\nXã Kỳ Đồng,1\\n".encode(), "warm.csv")
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for name, data in (("bom.xlsx", bomb), ("nhieu.csv", noise), ("van.csv", prose)):
            started = time.monotonic()
            report = ingest.import_bytes(None, data, name)
            print(name, report.status, round(time.monotonic() - started, 2),
                  (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024, flush=True)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-2000:]
    for line in run.stdout.splitlines():
        name, status, seconds, grown_mib = line.split()
        assert status == "refused", line
        assert float(seconds) < 10, line
        assert int(grown_mib) < 100, line


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9])
def test_damaged_copies_of_every_corpus_file_never_raise(cut):
    import random

    rng = random.Random(int(cut * 100))
    for path in sorted((ROOT / "tests" / "fixtures" / "corpus").iterdir()):
        data = path.read_bytes()
        flipped = bytearray(data)
        for _ in range(8):
            at = rng.randrange(len(flipped))
            flipped[at] ^= 0xFF
        for damaged in (data[: int(len(data) * cut)], bytes(flipped)):
            report = ingest.import_bytes(None, damaged, path.name)
            assert report.status in ("refused", "checked") and report.message, path.name
