"""The `cccd` command line (also `python -m cccd_analytics`).

Contracts (../shared/CONTRACTS.md): ingest, status, campaign add/list, sample.  Messages
are Vietnamese; no traceback reaches the user for bad input.

This module holds the whole command surface (`build_parser`) and imports nothing heavy:
each command names the module that runs it ("status:run"), and that module is imported
only when its command runs, so `cccd --help` or `cccd user list` does not load pandas,
plotly or the briefing.  A command module may import what it needs at its top.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import os
import sys
from datetime import date

# numpy's OpenBLAS starts a thread per core when it is imported, and those threads spin
# waiting for matrix work no command gives them (its small fits are faster on one
# thread): measured on a 1M-row `cccd ingest`, ~0,2 s of CPU taken from Arrow's parse and
# the checks on a two-core machine.  Set before anything imports numpy; an explicit
# setting in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from cccd_analytics import exit_codes
from cccd_analytics.dimensions import DIMENSIONS
from cccd_analytics.exit_codes import Refused, UsageError  # noqa: F401 — the commands raise these

EXIT_REFUSED = exit_codes.REFUSED


def _keep_freed_memory() -> None:
    """Have glibc's allocator keep the memory a command frees for its next allocations.

    By default a block over 128 KiB (a column of a million rows: numpy's arrays, pandas'
    frames) is mapped fresh from the kernel and unmapped when freed, and the heap's free
    top is given back: each new array is then zeroed page by page by the kernel again.  On
    a 1M-row `cccd ingest` that was ~0,2 s of system time (the kernel's clear_page the
    largest item of the profile).  A command is a short process: what it frees is kept
    until it exits.  Not glibc (musl, macOS): nothing to do."""
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own symbols: its C library's
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3  # glibc's malloc.h
    mallopt(m_mmap_threshold, 256 << 20)
    mallopt(m_trim_threshold, 1 << 30)
    mallopt(m_top_pad, 64 << 20)


class _Formatter(argparse.HelpFormatter):
    """argparse's help in Vietnamese: "cách dùng:" for "usage:"."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "cách dùng: " if prefix is None else prefix)


class ArgumentParser(argparse.ArgumentParser):
    """argparse exits with 2 on a usage error; here 2 means refused input, so usage is 4
    (cccd_analytics/exit_codes.py).  Its help is in Vietnamese: argparse names its sections
    and its -h in English (gettext without a Vietnamese catalogue)."""

    def __init__(self, *args, add_help: bool = True, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "tham số"
        self._optionals.title = "tùy chọn"
        if add_help:
            self.add_argument(
                "-h", "--help", action="help", default=argparse.SUPPRESS, help="in hướng dẫn này rồi thoát"
            )

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(exit_codes.USAGE, f"{self.prog}: lỗi: {usage_message_vn(message)}\n")


# argparse builds its messages in English (gettext with no Vietnamese catalogue, and a police
# machine's locale is often C), so the ones a user can meet are put into Vietnamese here.
_ARGPARSE_VN = [
    (r"argument (?P<a>[^:]+): (?P<m>.*)", lambda g: f"tham số {_arg(g['a'])}: {usage_message_vn(g['m'])}"),
    (
        r"invalid choice: (?P<v>.*) \(choose from (?P<c>.*)\)",
        lambda g: f"giá trị {g['v']} không hợp lệ (chọn một trong: {g['c']})",
    ),
    (r"the following arguments are required: (?P<a>.*)", lambda g: f"thiếu tham số bắt buộc: {g['a']}"),
    (r"unrecognized arguments: (?P<a>.*)", lambda g: f"không nhận ra tham số: {g['a']}"),
    (r"expected one argument", lambda g: "cần một giá trị"),
    (r"expected at least one argument", lambda g: "cần ít nhất một giá trị"),
    (r"expected at most one argument", lambda g: "chỉ nhận nhiều nhất một giá trị"),
    (r"invalid (?P<t>\w+) value: (?P<v>.*)", lambda g: f"giá trị {g['v']} không hợp lệ"),
    (
        r"ambiguous option: (?P<o>\S+) could match (?P<m>.*)",
        lambda g: f"tùy chọn {g['o']} không rõ: có thể là {g['m']}",
    ),
    (r"not allowed with argument (?P<a>.*)", lambda g: f"không dùng cùng với {g['a']}"),
    (r"one of the arguments (?P<a>.*) is required", lambda g: f"cần một trong các tham số {g['a']}"),
]


def _arg(name: str) -> str:
    return "lệnh" if name == "command" else name


def usage_message_vn(message: str) -> str:
    """argparse's usage error in Vietnamese (unchanged when it is not one argparse makes)."""
    import re

    for pattern, say in _ARGPARSE_VN:
        found = re.fullmatch(pattern, message)
        if found:
            return say(found.groupdict())
    return message


def as_of_day(text: str | None) -> date | None:
    """The --as-of option as a day (None when not given)."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--as-of phải có dạng YYYY-MM-DD, không phải «{text}».") from None


def cli_user(given: str | None) -> str:
    """Who did it from the command line: --user, else the OS account (as `cccd user` records it)."""
    import getpass

    return given or f"cli:{getpass.getuser()}"


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="cccd", description="Theo dõi chiến dịch cấp CCCD gắn chíp.")
    sub = parser.add_subparsers(dest="command", required=True)

    def scope(p):
        """The options of a command that reads a campaign's units (status, breakdown)."""
        p.add_argument("--campaign", help="tên chiến dịch (mặc định: mọi đơn vị có số liệu)")
        p.add_argument("--as-of", help="chỉ dùng số liệu đến hết ngày này (YYYY-MM-DD)")
        p.add_argument(
            "--level",
            choices=("commune", "district", "province"),
            default="commune",
            help="cấp đơn vị (mặc định: xã)",
        )
        p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")

    def db(p):
        p.add_argument("--db", default=None, help="địa chỉ SQLAlchemy (mặc định: CCCD_DB_URL hoặc SQLite)")
        return p

    p = db(sub.add_parser("ingest", help="nhập tệp số liệu"))
    p.add_argument(
        "paths", nargs="+", metavar="TỆP", help="tệp hoặc thư mục số liệu (xlsx, xls, csv, docx, pdf …)"
    )
    p.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không ghi")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.add_argument("--user", default=None, help="người nhập")
    p.set_defaults(run="imports:ingest_files")

    p = db(sub.add_parser("status", help="tiến độ theo đơn vị"))
    scope(p)
    p.set_defaults(run="status:status")

    p = db(sub.add_parser("breakdown", help="số liệu theo nhóm đối tượng, hình thức thu nhận, nơi cư trú …"))
    p.add_argument(
        "--dimension",
        required=True,
        choices=DIMENSIONS,
        help="cách chia: nhóm đối tượng (group), hình thức thu nhận (channel) …",
    )
    scope(p)
    p.set_defaults(run="breakdown:breakdown")

    p = sub.add_parser("campaign", help="chiến dịch")
    csub = p.add_subparsers(dest="campaign_command", required=True)
    q = db(csub.add_parser("add", help="thêm hoặc thay chiến dịch từ tệp TOML"))
    q.add_argument("file")
    q.set_defaults(run="campaigns:add")
    q = db(csub.add_parser("list", help="liệt kê chiến dịch"))
    q.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    q.set_defaults(run="campaigns:list_campaigns")

    p = db(sub.add_parser("refresh", help="tính sẵn số liệu của mọi chiến dịch cho người xem"))
    p.set_defaults(run="campaigns:refresh")

    p = db(sub.add_parser("sample", help="nạp dữ liệu mẫu"))
    p.set_defaults(run="imports:sample")

    p = db(sub.add_parser("report", help="xuất báo cáo giao ban (pptx, pdf, xlsx)"))
    p.add_argument("--format", choices=("pptx", "pdf", "xlsx"), required=True, help="loại tệp")
    p.add_argument("--out", required=True, help="tệp ghi ra")
    p.add_argument("--campaign", help="tên chiến dịch (mặc định: mọi chiến dịch có số liệu)")
    p.add_argument("--as-of", help="chỉ dùng số liệu đến hết ngày này (YYYY-MM-DD)")
    p.add_argument("--no-map", action="store_true", help="bỏ trang bản đồ (nhanh hơn)")
    p.set_defaults(run="report:report")

    p = sub.add_parser("backtest", help="kiểm định dự báo trên số liệu chiến dịch thật")
    p.add_argument("--data-dir", default=None, help="mặc định: shared/backtest-data cạnh thư mục dự án")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.add_argument(
        "--calibrate",
        action="store_true",
        help="hiệu chỉnh lại tham số dự báo trên mọi chiến dịch (cccd_analytics/data/forecast_params.json) "
        "và ghi kết quả kiểm định mà trang tổng quan hiển thị (track_record.json, cùng các dòng đã chấm)",
    )
    p.add_argument("--save", help="ghi thêm kết quả kiểm định (JSON) vào tệp này")
    p.add_argument("--shipped", action="store_true", help="in kết quả kiểm định đã kèm theo, không tính lại")
    p.add_argument("--no-compare", action="store_true", help="bỏ qua các cách tính cũ (nhanh hơn)")
    p.set_defaults(run="backtest:backtest")

    p = db(sub.add_parser("uploads", help="lịch sử nhập"))
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(run="uploads:uploads")

    p = db(sub.add_parser("undo", help="hủy một lần nhập"))
    p.add_argument("upload_id", type=int)
    p.add_argument("--user", default=None)
    p.set_defaults(run="uploads:undo")

    _user_commands(sub, db)
    _store_commands(sub, db)
    return parser


def _store_commands(sub, db) -> None:
    """`cccd backup|restore|copy`: keep the store safe, move it between engines (cli/backup.py)."""
    p = db(sub.add_parser("backup", help="sao lưu cơ sở dữ liệu vào một tệp"))
    p.add_argument("file", help="tệp sao lưu (SQLite: một tệp .sqlite; PostgreSQL: pg_dump dạng custom)")
    p.set_defaults(run="backup:backup")

    p = db(sub.add_parser("restore", help="khôi phục cơ sở dữ liệu từ một tệp sao lưu"))
    p.add_argument("file")
    p.add_argument("--yes", action="store_true", help="thay số liệu hiện có mà không hỏi (cho kịch bản)")
    p.set_defaults(run="backup:restore")

    p = db(sub.add_parser("copy", help="chép toàn bộ cơ sở dữ liệu sang một cơ sở dữ liệu khác"))
    p.add_argument("--to", required=True, metavar="URL", help="địa chỉ SQLAlchemy của đích")
    p.add_argument("--yes", action="store_true", help="thay số liệu đang có ở đích mà không hỏi")
    p.set_defaults(run="backup:copy")


def _user_commands(sub, db) -> None:
    """`cccd user …`: dashboard accounts (cli/users.py)."""
    from cccd_analytics.auth import ROLES

    p = sub.add_parser("user", help="tài khoản đăng nhập bảng điều khiển")
    usub = p.add_subparsers(dest="user_command", required=True)

    q = db(usub.add_parser("add", help="tạo tài khoản"))
    q.add_argument("username")
    q.add_argument("--role", required=True, choices=ROLES)
    q.add_argument("--name", default=None, help="họ tên")
    how = q.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ dòng đầu của stdin")
    how.add_argument("--no-password", action="store_true", help="chỉ đăng nhập qua OIDC / máy chủ xác thực")
    q.set_defaults(run="users:add")

    q = db(usub.add_parser("passwd", help="đổi mật khẩu (và mở khóa)"))
    q.add_argument("username")
    q.add_argument("--password-stdin", action="store_true")
    q.set_defaults(run="users:passwd")

    q = db(usub.add_parser("disable", help="vô hiệu hóa tài khoản"))
    q.add_argument("username")
    q.set_defaults(run="users:disable")

    q = db(usub.add_parser("enable", help="kích hoạt lại tài khoản"))
    q.add_argument("username")
    q.set_defaults(run="users:enable")

    q = db(usub.add_parser("role", help="đổi vai trò"))
    q.add_argument("username")
    q.add_argument("role", choices=ROLES)
    q.set_defaults(run="users:role")

    q = db(usub.add_parser("list", help="liệt kê tài khoản"))
    q.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    q.set_defaults(run="users:list_users")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module_name, function = args.run.split(":")
    module = importlib.import_module(f"cccd_analytics.cli.{module_name}")
    try:
        return getattr(module, function)(args)
    except Exception as exc:
        # The store (SQLAlchemy) is imported here, not before the command: `cccd ingest`
        # starts reading a big export before its heavier imports (ingest.read_ahead).
        from cccd_analytics.store import StoreError

        if not isinstance(exc, (UsageError, Refused, StoreError, PermissionError, *module.REFUSALS)):
            raise
        print(f"Lỗi: {exc}", file=sys.stderr)
        return exit_codes.code_for(exc)


def run() -> None:
    """The `cccd` command: `main`, then an exit without the interpreter's teardown.

    Python's shutdown runs up to its atexit handlers (threads joined, every handler: logging's
    flush, a worker pool's, kaleido's browser); then the stores' connections are closed, so
    SQLite folds its write-ahead log into the database file, and the process leaves with the
    command's code. What is skipped needs doing by nobody, and cost:
    - the modules and the objects they hold (pandas, pyarrow, SQLAlchemy) freed one by one:
      ~0,1 s of a 2 s `cccd ingest` on a quiet machine, ~0,2 s of CPU under load;
    - the C++ runtime's destructors, where Arrow's thread pool aborted about one process in a
      hundred on a loaded machine ("terminate called without an active exception", exit 134)
      after the command's work and output were complete (apache/arrow issue 34314)."""
    _keep_freed_memory()
    leaving: dict[str, int | None] = {"code": None}
    # Registered before any library's handler, so it runs after all of them (last in, first out).
    atexit.register(_leave, leaving)
    try:
        code = main()
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            leaving["code"] = exc.code or 0
        raise
    except BrokenPipeError:
        # The reader went away (`cccd uploads | head -1`): no traceback for it.  Python's own
        # recipe: stdout pointed at devnull so that the flush at exit does not fail again.
        # The command's own code is lost with its output; 141 (128 + SIGPIPE) is what a shell
        # reports for any program stopped by a closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 141
    leaving["code"] = code
    sys.exit(code)


def _leave(leaving: dict[str, int | None]) -> None:
    code = leaving["code"]
    if code is None:
        return  # an unexpected error: Python reports it and exits its usual way
    store = sys.modules.get("cccd_analytics.store")
    if store is not None:
        store.close_all()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # a closed pipe (`cccd status | head`): nothing more can reach it
    os._exit(code)


if __name__ == "__main__":
    run()
