"""`cccd backup FILE`, `cccd restore FILE [--yes]`, `cccd copy --to URL [--yes]`: keep a
store safe and move it between SQLite and PostgreSQL.  The work is in
cccd_analytics.store.backup and cccd_analytics.store.copy; this only runs the commands
(their options are in cli/__init__.py).

Exit codes (cccd_analytics.exit_codes): 0 done; 2 refused (a damaged or newer backup, a
target that holds data without --yes); 3 database unavailable, locked or out of space;
4 wrong usage, missing permissions or a missing pg_dump/pg_restore/psql.
"""

from __future__ import annotations

import getpass
import sys

from cccd_analytics import exit_codes
from cccd_analytics import text as fmt
from cccd_analytics.store import Store, fingerprint
from cccd_analytics.store import backup as store_backup
from cccd_analytics.store import copy as store_copy

REFUSALS = ()  # the store's errors (StoreError) carry their own exit codes


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 — no login name in some containers
        return "cli:?"


def _size(size: int) -> str:
    return f"{fmt.number(size / 2**20, 1)} MiB" if size >= 2**20 else f"{fmt.number(size / 2**10, 1)} KiB"


def _rows(counts: dict[str, int]) -> str:
    shown = ("uploads", "observations", "campaigns", "users", "audit_log")
    return ", ".join(f"{name} {fmt.number(counts[name])}" for name in shown if name in counts)


def _confirm(question: str):
    """A question answered on the terminal; no terminal (a script): no answer, so refused."""

    def ask(found: dict[str, int]) -> bool:
        if not sys.stdin.isatty():
            return False
        answer = input(f"{question} Đang có: {fingerprint.describe(found)}.\nGõ «có» để đồng ý: ")
        return answer.strip().lower() in ("có", "co", "c", "yes", "y")

    return ask


def _progress(table: str, rows: int) -> None:
    if sys.stderr.isatty():
        print(f"\r  {table}: {fmt.number(rows)} dòng   ", end="", file=sys.stderr, flush=True)


def backup(args) -> int:
    store = Store.open(args.db)
    report = store_backup.backup(store.engine, args.file)
    print(
        f"Đã sao lưu vào {report.path} ({_size(report.size)}, {fmt.number(report.seconds, 1)} s; lược đồ số "
        f"{report.schema_version}; {_rows(report.counts)}). Đã kiểm tra: "
        + ("PRAGMA integrity_check = ok, " if report.engine == "sqlite" else "đọc lại bằng pg_restore, ")
        + "số dòng mọi bảng khớp."
    )
    return exit_codes.DONE


def restore(args) -> int:
    store = Store.open(args.db)
    report = store_backup.restore(
        store,
        args.file,
        replace=args.yes,
        progress=_progress,
        confirm=_confirm("Khôi phục sẽ thay TOÀN BỘ số liệu hiện có bằng bản sao lưu."),
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    store.audit(
        "restore", _who(), file=str(report.path), kind=report.kind, replaced=report.replaced, via="cli"
    )
    print(
        f"Đã khôi phục từ {report.path} ({fmt.number(report.seconds, 1)} s; bản sao lưu lược đồ số {report.schema_version}; "
        f"{_rows(report.counts)}). Số dòng mọi bảng khớp với bản sao lưu."
    )
    return exit_codes.DONE


def copy(args) -> int:
    source = Store.open(args.db)
    target = Store.open(args.to)
    replace = args.yes
    if not replace:
        with target.engine.connect() as conn:
            found = fingerprint.content(conn)
        replace = bool(found) and _confirm("Chép sẽ thay TOÀN BỘ số liệu ở đích.")(found)
    report = store_copy.copy_store(source.engine, target.engine, replace=replace, progress=_progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(
        f"Đã chép {report.source} → {report.target} trong {fmt.number(report.seconds, 1)} s, một giao dịch."
    )
    print("Bảng              số dòng   tổng kiểm tra (nguồn = đích)")
    for name, summed in report.sums.items():
        print(f"  {name:<16}{fmt.number(summed.rows):>10}   {summed.digest:016x}")
    return exit_codes.DONE
