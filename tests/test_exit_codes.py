"""Exit codes a cron job can act on: 0 done, 2 refused input (fix the file), 3 database
unavailable or locked (retry later), 4 wrong usage or permissions (fix the command).

Each code is pinned here through a real `python -m cccd_analytics` process (what a script
sees), not only through `main()`."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from cccd_analytics import exit_codes
from cccd_analytics.store import Store
from tests.conftest import ROOT, write

HEADER = "date,province,district,commune,commune_code,eligible,collected,returned\n"


def cccd(*args, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cccd_analytics", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        **kwargs,
    )


def test_the_codes_are_the_documented_ones():
    assert (exit_codes.DONE, exit_codes.REFUSED, exit_codes.UNAVAILABLE, exit_codes.USAGE) == (0, 2, 3, 4)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for code in ("| 0 |", "| 2 |", "| 3 |", "| 4 |"):
        assert code in readme and code in operations


def test_exit_0_when_done(db_url, tmp_path):
    good = write(
        tmp_path / "tot.csv", HEADER + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4000,10,0\n"
    )
    result = cccd("ingest", "--db", db_url, str(good))
    assert result.returncode == 0, result.stderr


def test_the_sqlite_file_alone_holds_what_a_command_wrote(tmp_path):
    # The command leaves without the interpreter's teardown (cli.run): it must still close its
    # connections, or the upload would sit in the write-ahead log beside the file and a copy of
    # the file alone would miss it.
    path = tmp_path / "cccd.sqlite"
    good = write(
        tmp_path / "tot.csv", HEADER + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4000,10,0\n"
    )
    result = cccd("ingest", "--db", f"sqlite:///{path}", str(good), "--json")
    assert result.returncode == 0, result.stderr
    assert not path.with_name("cccd.sqlite-wal").exists()
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(path.read_bytes())
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT count(*) FROM uploads").fetchone() == (1,)


def test_exit_2_when_a_file_is_refused(db_url, tmp_path):
    bad = write(tmp_path / "xau.csv", HEADER + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4000,-1,0\n")
    result = cccd("ingest", "--db", db_url, str(bad))
    assert result.returncode == 2
    assert "xau.csv" in result.stderr and "Traceback" not in result.stderr


def test_exit_2_when_a_backup_is_not_one(db_url, tmp_path):
    not_a_backup = write(tmp_path / "ghi_chu.sqlite", "không phải cơ sở dữ liệu\n")
    result = cccd("restore", "--db", db_url, str(not_a_backup), "--yes")
    assert result.returncode == 2 and "không phải bản sao lưu" in result.stderr


def test_exit_3_when_the_database_is_locked(tmp_path):
    path = tmp_path / "cccd.sqlite"
    Store.open(f"sqlite:///{path}").engine.dispose()
    data = write(tmp_path / "a.csv", HEADER + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4000,10,0\n")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process in the middle of a long write
    try:
        # The store waits 10 s for a lock before giving up; a shorter wait keeps the test short.
        result = cccd(
            "ingest",
            "--db",
            f"sqlite:///{path}",
            str(data),
            env={"PYTHONPATH": str(ROOT), "CCCD_SQLITE_BUSY_MS": "300"},
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 3, result.stderr
    assert "đang bị khóa" in result.stderr and "Traceback" not in result.stderr


def test_exit_3_when_the_server_is_unreachable():
    result = cccd("status", "--db", "postgresql+psycopg://cccd:mat-khau@127.0.0.1:1/cccd", "--json")
    assert result.returncode == 3
    assert "không kết nối được" in result.stderr and "mat-khau" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("status", "--khong-co-tuy-chon"),  # argparse's own error: 2 by default, 4 here
        ("copy",),  # a required option missing
        ("status", "--as-of", "15/3/2021"),  # a bad value the command checks itself
    ],
)
def test_exit_4_on_wrong_usage(db_url, args):
    result = cccd(*args, "--db", db_url)
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr


def test_exit_4_when_the_database_folder_cannot_be_made(tmp_path):
    blocker = write(tmp_path / "tep_thuong", "")
    result = cccd("campaign", "list", "--db", f"sqlite:///{blocker}/cccd.sqlite")
    assert result.returncode == 4 and "Không tạo được thư mục" in result.stderr


@pytest.fixture
def unwritable_dir(tmp_path):
    """A folder this process may not write into: read-only bits for a normal user; for root
    (which ignores them) a read-only tmpfs, or a skip saying why."""
    folder = tmp_path / "chi_doc"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"as root, a read-only folder needs a read-only mount: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_exit_4_without_permission_to_write_the_backup(db_url, unwritable_dir):
    Store.open(db_url).engine.dispose()
    result = cccd("backup", "--db", db_url, str(unwritable_dir / "cccd.bak"))
    assert result.returncode == 4, result.stdout + result.stderr
    assert "Không ghi được" in result.stderr and "Traceback" not in result.stderr
