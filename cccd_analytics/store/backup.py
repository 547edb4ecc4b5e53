"""Backups of the store, and restoring one.

    backup(engine, path)  -> BackupReport      (cccd backup FILE)
    restore(engine, path, replace=False) -> RestoreReport   (cccd restore FILE [--yes])

**SQLite** (the embedded default): SQLite's online backup API copies the file page by page
inside one read transaction, so the copy is the store at one moment even while the dashboard
reads or an import writes (WAL: the writer is not blocked).  The copy is written beside the
target under a temporary name, checked — `PRAGMA integrity_check` and the row count of every
table against the counts read in that same transaction — and only then renamed to FILE, so a
failed backup never leaves a half file under the name a script expects.  It is a plain
SQLite file (rollback journal, no -wal beside it): copy it anywhere, open it with any SQLite.

**PostgreSQL**: `pg_dump --format=custom` of the database, taken in a snapshot this process
exports (`pg_export_snapshot`) after counting every table in it, then checked by reading the
dump's data back with `pg_restore` and counting its rows.  Needs the `pg_dump`, `pg_restore`
and `psql` commands (Debian: postgresql-client, the server's major version or newer); without
them the message names the command and the package.

**Restore** refuses a backup made by a newer release (a higher schema version, or tables
this release does not know), and a target that holds data unless `replace=True`.  An SQLite
backup is restored into either engine through `store.copy` (one transaction on the target,
checked by per-table checksums; an older backup is migrated on a temporary copy first); a
PostgreSQL dump into PostgreSQL by `pg_restore | psql --single-transaction`.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from cccd_analytics import exit_codes
from cccd_analytics.store import Store, StoreError, StoreUnavailable, fingerprint
from cccd_analytics.store import copy as store_copy
from cccd_analytics.store.schema import MIGRATIONS

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_BIN_DIRS = "/usr/lib/postgresql"  # Debian keeps each version's programs in <version>/bin
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(StoreError):
    """A backup or restore that could not be made or was refused; nothing was changed."""


class ToolMissing(BackupError):
    """pg_dump, pg_restore or psql is not installed (a setup problem: exit code 4)."""

    exit_code = exit_codes.USAGE


@dataclass(frozen=True)
class BackupReport:
    path: Path
    engine: str  # sqlite | postgresql
    schema_version: int
    counts: dict[str, int]
    size: int
    seconds: float


@dataclass(frozen=True)
class RestoreReport:
    path: Path
    kind: str  # sqlite | pg_dump
    schema_version: int  # of the backup
    counts: dict[str, int]  # rows per table now in the store
    replaced: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


# -- backup --------------------------------------------------------------------------------


def backup(engine: sa.Engine, path: str | Path) -> BackupReport:
    path = Path(path)
    started = time.perf_counter()
    if not path.parent.is_dir():
        raise BackupError(f"Không có thư mục «{path.parent}» để ghi bản sao lưu.", exit_codes.USAGE)
    if engine.dialect.name == "sqlite":
        version, counts = _sqlite_backup(engine, path)
    elif engine.dialect.name == "postgresql":
        version, counts = _pg_backup(engine, path)
    else:
        raise BackupError(f"Chưa hỗ trợ sao lưu cơ sở dữ liệu {engine.dialect.name}.", exit_codes.USAGE)
    return BackupReport(
        path, engine.dialect.name, version, counts, path.stat().st_size, time.perf_counter() - started
    )


def _partial(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.partial")


def _discard(partial: Path) -> None:
    try:
        partial.unlink(missing_ok=True)
    except OSError:
        pass  # a folder we could not write into has no partial file either


def _sqlite_backup(engine: sa.Engine, path: Path) -> tuple[int, dict[str, int]]:
    partial = _partial(path)
    try:
        partial.unlink(missing_ok=True)
        with fingerprint.snapshot(engine) as conn:
            version = fingerprint.schema_version(conn)
            counts = fingerprint.counts(conn)
            source = conn.connection.driver_connection
            target = sqlite3.connect(partial)
            try:
                # One step (pages=-1) inside the read transaction above: the pages of that
                # moment, whatever is written meanwhile.
                source.backup(target, pages=-1)
                target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            finally:
                target.close()
        found_version, found = _check_sqlite_file(partial)
        if (found_version, found) != (version, counts):
            raise BackupError(
                f"Bản sao lưu vừa ghi không khớp với cơ sở dữ liệu (số dòng {found} ≠ {counts}); đã bỏ."
            )
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, path)
        return version, counts
    except OSError as exc:
        raise _os_error(exc, path) from None
    except sqlite3.OperationalError as exc:
        if "full" in str(exc).lower():
            raise BackupError(
                f"Không ghi được bản sao lưu «{path}»: ổ đĩa đã đầy.", exit_codes.UNAVAILABLE
            ) from None
        raise BackupError(f"Không ghi được bản sao lưu «{path}»: {exc}.", exit_codes.USAGE) from None
    finally:
        _discard(partial)


def _os_error(exc: OSError, path: Path) -> BackupError:
    import errno

    if exc.errno == errno.ENOSPC:
        return BackupError(f"Không ghi được «{path}»: ổ đĩa đã đầy.", exit_codes.UNAVAILABLE)
    return BackupError(f"Không ghi được «{path}» ({exc.strerror or exc}).", exit_codes.USAGE)


def _check_sqlite_file(path: Path, known_tables_only: bool = False) -> tuple[int, dict[str, int]]:
    """Integrity, schema version and row counts of an SQLite store file, read only;
    `known_tables_only`: refused if it has a table this release does not know."""
    engine = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            problems = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").all()]
            if problems != ["ok"]:
                raise BackupError(
                    f"Tệp «{path.name}» bị hỏng (PRAGMA integrity_check: {'; '.join(problems[:3])}).",
                )
            unknown = fingerprint.unknown_tables(conn) if known_tables_only else []
            if unknown:
                raise BackupError(
                    f"«{path.name}» có bảng mà phiên bản này không biết ({', '.join(unknown)}): nó do một "
                    "phiên bản mới hơn tạo ra. Hãy cập nhật chương trình trước."
                )
            return fingerprint.schema_version(conn), fingerprint.counts(conn)
    except sa.exc.DatabaseError as exc:
        raise BackupError(
            f"Tệp «{path.name}» không đọc được như một cơ sở dữ liệu SQLite ({exc.orig})."
        ) from None
    finally:
        engine.dispose()


def file_name(engine: sa.Engine, when: datetime | None = None) -> str:
    """A backup's file name: the day and time, and the kind (.sqlite or .dump)."""
    when = when or datetime.now()
    return f"cccd-{when:%Y-%m-%d-%H%M}" + (".sqlite" if engine.dialect.name == "sqlite" else ".dump")


def missing_tool(engine: sa.Engine) -> str | None:
    """Why a backup of this store cannot be made on this machine (a missing program), or None."""
    if engine.dialect.name != "postgresql":
        return None
    try:
        _tool("pg_dump")
        _tool("pg_restore")
    except ToolMissing as exc:
        return str(exc)
    return None


def backup_bytes(engine: sa.Engine) -> bytes:
    """A checked backup as bytes, for a download (made in a private temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="cccd-backup-") as folder:
        report = backup(engine, Path(folder) / file_name(engine))
        return report.path.read_bytes()


# -- restore -------------------------------------------------------------------------------


def kind_of(path: Path) -> str:
    """sqlite | pg_dump, from the file's first bytes; refused otherwise."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        raise BackupError(f"Không có tệp «{path}».", exit_codes.USAGE) from None
    except OSError as exc:
        raise BackupError(f"Không đọc được tệp «{path}» ({exc.strerror}).", exit_codes.USAGE) from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "pg_dump"
    raise BackupError(
        f"Tệp «{path.name}» không phải bản sao lưu của chương trình (không phải tệp SQLite, "
        "cũng không phải tệp pg_dump dạng custom)."
    )


def inspect(path: str | Path) -> tuple[str, int, dict[str, int]]:
    """(kind, schema version, rows per table) of a backup file, without changing it."""
    path = Path(path)
    kind = kind_of(path)
    if kind == "sqlite":
        version, counts = _check_sqlite_file(path, known_tables_only=True)
    else:
        version, counts = _pg_dump_contents(path)
    if version == 0:
        raise BackupError(
            f"Tệp «{path.name}» không phải bản sao lưu của chương trình (không có bảng schema_version)."
        )
    return kind, version, counts


def restore(
    target: Store | sa.Engine,
    path: str | Path,
    *,
    replace: bool = False,
    progress: store_copy.Progress | None = None,
    confirm: Callable[[dict[str, int]], bool] | None = None,
) -> RestoreReport:
    """Replace the store's contents with the backup's (see the module docstring).

    `confirm(content)` is asked when the store holds data and `replace` is False; without
    it (or when it says no) such a store is refused."""
    started = time.perf_counter()
    path = Path(path)
    engine = target.engine if isinstance(target, Store) else target
    kind, version, counts = inspect(path)
    if version > len(MIGRATIONS):
        raise BackupError(store_copy.newer_schema_message(path.name, version))
    unknown = sorted(set(counts) - {t.name for t in fingerprint.tables()})
    if unknown:  # a dump's tables (an SQLite file's were checked by inspect)
        raise BackupError(
            f"«{path.name}» có bảng mà phiên bản này không biết ({', '.join(unknown)}): nó do một phiên bản "
            "mới hơn tạo ra. Hãy cập nhật chương trình trước."
        )
    with engine.connect() as conn:
        before = fingerprint.content(conn)
    if before and not replace:
        if confirm is None or not confirm(before):
            raise BackupError(
                f"Cơ sở dữ liệu đang có số liệu ({fingerprint.describe(before)}); không khôi phục đè khi chưa "
                "được xác nhận (thêm --yes để thay toàn bộ bằng bản sao lưu)."
            )
    if kind == "sqlite":
        after = _restore_sqlite_file(engine, path, version, counts, progress)
    else:
        if engine.dialect.name != "postgresql":
            raise BackupError(
                f"«{path.name}» là bản sao lưu PostgreSQL (pg_dump): chỉ khôi phục được vào PostgreSQL. "
                "Để chuyển sang SQLite: khôi phục vào PostgreSQL rồi dùng «cccd copy --to sqlite:///…».",
                exit_codes.USAGE,
            )
        after = _pg_restore(engine, path, counts)
    _changed(engine)
    return RestoreReport(path, kind, version, after, before, time.perf_counter() - started)


def _changed(engine: sa.Engine) -> None:
    """Tell running dashboards that the data changed: their caches are keyed on the data
    version, which a restored store could otherwise share with a state they cached."""
    from cccd_analytics.store.sql import _revision

    with engine.begin() as conn:
        _revision(conn, "restore")


def _restore_sqlite_file(
    engine: sa.Engine, path: Path, version: int, counts: dict[str, int], progress
) -> dict[str, int]:
    if engine.dialect.name == "sqlite" and version == len(MIGRATIONS):
        return _sqlite_pages_back(engine, path, counts)
    if version == len(MIGRATIONS):
        source = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", poolclass=sa.pool.NullPool)
        try:
            report = store_copy.copy_store(source, engine, replace=True, progress=progress)
        finally:
            source.dispose()
        return {name: s.rows for name, s in report.sums.items()}
    # An older release's backup: migrated on a private copy (the backup file stays as it was).
    with tempfile.TemporaryDirectory(prefix="cccd-restore-") as folder:
        copy = Path(folder) / "backup.sqlite"
        shutil.copyfile(path, copy)
        older = Store.open(f"sqlite:///{copy}")
        try:
            report = store_copy.copy_store(older.engine, engine, replace=True, progress=progress)
        finally:
            older.engine.dispose()
    return {name: s.rows for name, s in report.sums.items()}


def _sqlite_pages_back(engine: sa.Engine, path: Path, counts: dict[str, int]) -> dict[str, int]:
    """An SQLite backup of this release into an SQLite store: its pages copied back by the
    online backup API, in one write transaction on the store (others keep reading the old
    state until it commits; the store stays in WAL mode), then checked like a backup:
    `PRAGMA integrity_check` and every table's row count against the backup's.  Seconds for
    a national store, where a row-by-row copy takes minutes."""
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = engine.raw_connection()
    try:
        driver = target.driver_connection
        driver.commit()  # the backup API needs the target outside a transaction
        source.backup(driver, pages=-1)
    except sqlite3.OperationalError as exc:
        if "full" in str(exc).lower():
            raise StoreUnavailable(
                "Không khôi phục được: ổ đĩa chứa cơ sở dữ liệu đã đầy. Cơ sở dữ liệu giữ nguyên như trước.",
                "ổ đĩa chứa cơ sở dữ liệu đã đầy",
            ) from None
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            raise StoreUnavailable(
                "Không khôi phục được: cơ sở dữ liệu đang bị khóa bởi một thao tác khác; hãy thử lại.",
                "cơ sở dữ liệu đang bị khóa bởi một thao tác khác",
            ) from None
        raise
    finally:
        target.close()
        source.close()
    engine.dispose()  # pooled connections may hold the old schema
    with engine.connect() as conn:
        problems = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").all()]
        after = fingerprint.counts(conn)
    if problems != ["ok"] or after != counts:
        raise BackupError(
            f"Sau khi khôi phục, cơ sở dữ liệu không khớp bản sao lưu (integrity_check: {problems[:3]}; "
            f"số dòng {after} ≠ {counts})."
        )
    return after


# -- PostgreSQL: pg_dump, pg_restore, psql ------------------------------------------------


def _tool(name: str) -> str:
    """The path of a PostgreSQL client program, or a message naming it and its package."""
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path(PG_BIN_DIRS).glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    raise ToolMissing(
        f"Không tìm thấy lệnh «{name}», cần cho sao lưu và khôi phục PostgreSQL. Cài gói "
        "postgresql-client (apt-get install postgresql-client), cùng phiên bản chính với máy chủ "
        "PostgreSQL hoặc mới hơn, rồi chạy lại."
    )


def _libpq(engine: sa.Engine) -> tuple[str, dict[str, str]]:
    """A libpq connection string for the store's URL, and the environment carrying its
    password (never on a command line, where `ps` would show it)."""
    url = engine.url
    parts = {
        "host": url.host,
        "port": str(url.port) if url.port else None,
        "user": url.username,
        "dbname": url.database,
    }
    parts.update({k: (v if isinstance(v, str) else v[-1]) for k, v in url.query.items()})
    text = " ".join(
        f"{key}='" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"
        for key, value in parts.items()
        if value
    )
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return text, env


def _run(command: list[str], env: dict, what: str, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, env=env, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        detail = " ".join(result.stderr.strip().splitlines()[-3:])
        detail = re.sub(r"password=\S+", "password=***", detail)
        message = f"{what} thất bại ({Path(command[0]).name}: {detail or 'mã ' + str(result.returncode)})."
        if "could not connect" in detail or "Connection refused" in detail or "timeout" in detail:
            raise StoreUnavailable(message, "không kết nối được máy chủ cơ sở dữ liệu")
        raise BackupError(message)
    return result


def _pg_backup(engine: sa.Engine, path: Path) -> tuple[int, dict[str, int]]:
    pg_dump, pg_restore = _tool("pg_dump"), _tool("pg_restore")
    conninfo, env = _libpq(engine)
    partial = _partial(path)
    try:
        partial.unlink(missing_ok=True)
        with fingerprint.snapshot(engine) as conn:
            # pg_dump reads exactly the moment the counts below were taken in.
            snapshot_id = conn.scalar(sa.text("SELECT pg_export_snapshot()"))
            version = fingerprint.schema_version(conn)
            counts = fingerprint.counts(conn)
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot_id}",
                    f"--file={partial}",
                    f"--dbname={conninfo}",
                ],
                env,
                "Sao lưu PostgreSQL",
            )
        found_version, found = _pg_dump_contents(partial, pg_restore)
        if found_version != version or {k: found.get(k, 0) for k in counts} != counts:
            raise BackupError(
                f"Bản sao lưu vừa ghi không khớp với cơ sở dữ liệu (số dòng {found} ≠ {counts}); đã bỏ."
            )
        os.replace(partial, path)
        return version, counts
    except OSError as exc:
        raise _os_error(exc, path) from None
    finally:
        _discard(partial)


COPY_LINE = re.compile(r"^COPY (?:\w+\.)?\"?(\w+)\"? \(")


def _pg_dump_contents(path: Path, pg_restore: str | None = None) -> tuple[int, dict[str, int]]:
    """(schema version, rows per table) of a custom-format dump, by streaming its data out
    of pg_restore (COPY blocks) and counting the lines."""
    pg_restore = pg_restore or _tool("pg_restore")
    proc = subprocess.Popen(
        [pg_restore, "--data-only", "--file=-", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    counts: dict[str, int] = {}
    versions: list[int] = []
    table = None
    assert proc.stdout is not None
    for line in proc.stdout:
        if table is None:
            match = COPY_LINE.match(line)
            if match:
                table = match.group(1)
                counts[table] = 0
            continue
        if line == "\\.\n":
            table = None
            continue
        counts[table] += 1
        if table == "schema_version":
            versions.append(int(line.split("\t", 1)[0]))
    error = proc.stderr.read() if proc.stderr else ""
    if proc.wait() != 0:
        raise BackupError(f"Tệp «{path.name}» không đọc được bằng pg_restore ({error.strip()[:300]}).")
    return max(versions, default=0), counts


def _pg_restore(engine: sa.Engine, path: Path, counts: dict[str, int]) -> dict[str, int]:
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    conninfo, env = _libpq(engine)
    quote = engine.dialect.identifier_preparer.format_table
    # The schema's tables go first, whatever the dump holds, so a table of a newer
    # migration on this server cannot keep its old rows; then the dump's own script.  One
    # transaction: an error anywhere leaves the database as it was.
    drop = "".join(f"DROP TABLE IF EXISTS {quote(t)} CASCADE;\n" for t in reversed(fingerprint.tables()))
    with tempfile.TemporaryDirectory(prefix="cccd-restore-") as folder:
        first = Path(folder) / "drop.sql"
        first.write_text(drop, encoding="utf-8")
        script = subprocess.Popen(
            [pg_restore, "--no-owner", "--no-privileges", "--clean", "--if-exists", "--file=-", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            _run(
                [
                    psql,
                    "-X",
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "--single-transaction",
                    "-f",
                    str(first),
                    "-f",
                    "-",
                    conninfo,
                ],
                env,
                "Khôi phục PostgreSQL",
                stdin=script.stdout,
            )
        finally:
            if script.stdout:
                script.stdout.close()
            problem = script.stderr.read().decode("utf-8", "replace") if script.stderr else ""
            if script.wait() != 0:
                raise BackupError(f"pg_restore không đọc được «{path.name}» ({problem.strip()[:300]}).")
    engine.dispose()  # connections from before the restore may cache the dropped tables
    with engine.connect() as conn:
        after = fingerprint.counts(conn)
    wrong = {k: (v, after.get(k)) for k, v in counts.items() if after.get(k) != v}
    if wrong:
        raise BackupError(f"Sau khi khôi phục, số dòng không khớp bản sao lưu: {wrong}.")
    Store(engine).migrate()  # an older release's backup: the newer migrations now
    with engine.connect() as conn:
        return fingerprint.counts(conn)
