"""Move a whole store from one database to another (SQLite → PostgreSQL when a district's
deployment becomes the province's, or back), checked row for row.

    copy_store(source_engine, target_engine, replace=False) -> CopyReport

* **Everything**: every table of the schema (units, uploads, observations with their whole
  history, campaigns, accounts, audit log, remembered mappings, notes — and any table a
  later migration adds), with its ids, so upload numbers and history stay as they were.
* **One moment of the source**: read in one snapshot (store.fingerprint.snapshot), so an
  import running meanwhile is in the copy whole or not at all.
* **One transaction on the target**: emptied, filled, its sequences moved past the copied
  ids, then read back and checked against the source — the same row count and checksum for
  every table — before COMMIT.  Any difference, error or interruption rolls the target
  back to what it was.
* **A target that holds data is refused** unless `replace=True` (`cccd copy --yes`).

Both stores must be at the same schema version (Store.open migrates both first).  Rows go
to PostgreSQL by COPY (psycopg), to SQLite by one prepared INSERT per table.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from cccd_analytics import exit_codes
from cccd_analytics.store import fingerprint
from cccd_analytics.store.errors import StoreError, _without_password
from cccd_analytics.store.sql import _sqlite_transactional_ddl

Progress = Callable[[str, int], None]  # (table, rows copied so far)


class CopyRefused(StoreError):
    """The copy was not started: a target with data, the same database twice, a newer schema."""


class CopyMismatch(StoreError):
    """The target, read back, differs from the source: rolled back."""


@dataclass(frozen=True)
class CopyReport:
    source: str
    target: str
    sums: dict[str, fingerprint.TableSum]  # the same on both sides (checked)
    replaced: dict[str, int] = field(default_factory=dict)  # what the target held before
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.sums.values())


def describe_url(engine: sa.Engine) -> str:
    """Where a store is, for messages: the SQLite file, or the server and database (never
    the password)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        # A file opened read-only by URI ("file:/path?mode=ro"): the path alone.
        return (url.database or ":memory:").removeprefix("file:").split("?", 1)[0]
    return _without_password(url.render_as_string(hide_password=True))


def same_database(a: sa.Engine, b: sa.Engine) -> bool:
    ua, ub = a.url, b.url
    if ua.get_backend_name() != ub.get_backend_name():
        return False
    if ua.get_backend_name() == "sqlite":
        if not ua.database or not ub.database or ":memory:" in (ua.database, ub.database):
            return False
        return Path(describe_url(a)).resolve() == Path(describe_url(b)).resolve()
    return (ua.host or "", ua.port or 5432, ua.database) == (ub.host or "", ub.port or 5432, ub.database)


def copy_store(
    source: sa.Engine,
    target: sa.Engine,
    *,
    replace: bool = False,
    progress: Progress | None = None,
    chosen: list[sa.Table] | None = None,
    batch: int = 50_000,
) -> CopyReport:
    """Copy every table of `source` into `target` (see the module docstring).

    `chosen`: the tables to copy, in insert order (default: the whole schema)."""
    started = time.perf_counter()
    if same_database(source, target):
        raise CopyRefused("Nguồn và đích là cùng một cơ sở dữ liệu; không có gì để chép.", exit_codes.USAGE)
    tables = chosen if chosen is not None else fingerprint.tables()
    with fingerprint.snapshot(source) as src:
        _check_schema(src, describe_url(source), chosen is None)
        sums: dict[str, fingerprint.TableSum] = {}
        with target.connect() as dst:
            if dst.dialect.name == "sqlite":
                _sqlite_transactional_ddl(dst)  # BEGIN IMMEDIATE: the write lock from the start
            transaction = dst.begin() if not dst.in_transaction() else dst.get_transaction()
            try:
                _check_schema(dst, describe_url(target), chosen is None)
                if chosen is None:
                    versions = (fingerprint.schema_version(src), fingerprint.schema_version(dst))
                    if versions[0] != versions[1]:
                        raise CopyRefused(
                            f"Nguồn ở phiên bản lược đồ {versions[0]}, đích ở {versions[1]}: "
                            "hãy mở cả hai bằng cùng một phiên bản chương trình trước khi chép."
                        )
                    before = fingerprint.content(dst)
                else:
                    before = {n: c for n, c in fingerprint.counts(dst, tables).items() if c}
                if before and not replace:
                    raise CopyRefused(
                        f"Cơ sở dữ liệu đích ({describe_url(target)}) đang có số liệu: "
                        f"{fingerprint.describe(before)}. Không chép đè khi chưa được xác nhận "
                        "(thêm --yes để thay toàn bộ bằng số liệu của nguồn)."
                    )
                _empty(dst, tables)
                for table in tables:
                    summer = fingerprint.Summer(table)
                    write = _writer(dst, table)
                    for columns in fingerprint.read_columns(src, table, batch):
                        summer.add(columns)
                        write(columns)
                        if progress:
                            progress(table.name, summer.rows)
                    sums[table.name] = summer.result()
                _move_sequences(dst, tables)
                copied = fingerprint.checksums(dst, tables)
                wrong = [n for n in sums if copied.get(n) != sums[n]]
                if wrong:
                    raise CopyMismatch(
                        "Bản chép không khớp với nguồn ở bảng "
                        + ", ".join(f"{n} ({sums[n]} ≠ {copied.get(n)})" for n in wrong)
                        + "; đã hủy, đích giữ nguyên như trước."
                    )
                transaction.commit()
            except BaseException:
                transaction.rollback()
                raise
    return CopyReport(
        source=describe_url(source),
        target=describe_url(target),
        sums=sums,
        replaced=before,
        seconds=time.perf_counter() - started,
    )


def _check_schema(conn: sa.Connection, where: str, whole: bool) -> None:
    from cccd_analytics.store.schema import MIGRATIONS

    version = fingerprint.schema_version(conn)
    if version > len(MIGRATIONS):
        raise CopyRefused(newer_schema_message(where, version))
    if whole:
        unknown = fingerprint.unknown_tables(conn)
        if unknown:
            raise CopyRefused(
                f"«{where}» có bảng mà phiên bản này không biết ({', '.join(unknown)}): nó do một phiên bản "
                "mới hơn tạo ra. Hãy cập nhật chương trình trước."
            )


def newer_schema_message(where: str, version: int) -> str:
    from cccd_analytics.store.schema import MIGRATIONS

    return (
        f"«{where}» do một phiên bản mới hơn của chương trình tạo ra (lược đồ số {version}; phiên bản "
        f"này đọc được đến số {len(MIGRATIONS)}). Hãy cập nhật chương trình trước khi dùng nó."
    )


def _empty(conn: sa.Connection, tables: list[sa.Table]) -> None:
    present = set(sa.inspect(conn).get_table_names())
    names = [t for t in tables if t.name in present]
    if conn.dialect.name == "postgresql" and names:
        # Transactional on PostgreSQL, and far quicker than DELETE for a national table.
        quote = conn.dialect.identifier_preparer.format_table
        conn.exec_driver_sql("TRUNCATE " + ", ".join(quote(t) for t in names))
        return
    for table in reversed(names):  # children first: foreign keys stay satisfied
        conn.execute(table.delete())


def _writer(conn: sa.Connection, table: sa.Table) -> Callable[[list[list]], None]:
    """A function that appends rows given as columns (as `fingerprint.read_columns` reads
    them), in the same transaction."""
    columns = list(table.columns)
    timestamps = [i for i, c in enumerate(columns) if isinstance(c.type, sa.DateTime)]
    processors = [c.type._cached_bind_processor(conn.dialect) for c in columns]

    def bound(values: list[list]) -> list[list]:
        values = list(values)
        # Timestamps: one UTC instant on both engines (SQLite keeps no offset; PostgreSQL
        # would read a naive value in the session's time zone).
        for i in timestamps:
            values[i] = [_timestamp(v, columns[i], conn) for v in values[i]]
        for i, process in enumerate(processors):
            if process is not None:
                values[i] = [None if v is None else process(v) for v in values[i]]
        return values

    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        quote = conn.dialect.identifier_preparer
        sql = f"COPY {quote.format_table(table)} ({', '.join(quote.format_column(c) for c in columns)}) FROM STDIN"
        cursor = conn.connection.driver_connection.cursor()

        def copy_rows(values: list[list]) -> None:
            with cursor.copy(sql) as copy:
                for row in zip(*bound(values)):
                    copy.write_row(row)

        return copy_rows

    compiled = sa.insert(table).compile(dialect=conn.dialect, column_keys=[c.key for c in columns])
    sql = str(compiled)
    names = [c.key for c in columns]
    order = [names.index(k) for k in compiled.positiontup] if compiled.positional else None

    def insert_rows(values: list[list]) -> None:
        values = bound(values)
        if order is not None:
            params = list(zip(*(values[i] for i in order)))
        else:
            params = [dict(zip(names, row)) for row in zip(*values)]
        if params:
            conn.exec_driver_sql(sql, params)

    return insert_rows


def _timestamp(value, column: sa.Column, conn: sa.Connection):
    if not isinstance(value, datetime):
        return value
    naive = fingerprint.utc_naive(value)
    if column.type.timezone and conn.dialect.name != "sqlite":
        return naive.replace(tzinfo=UTC)
    return naive


def _move_sequences(conn: sa.Connection, tables: list[sa.Table]) -> None:
    """PostgreSQL: each serial id continues after the highest copied id (SQLite takes the
    next rowid by itself)."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        conn.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE((SELECT max({conn.dialect.identifier_preparer.format_column(column)}) "
                f"FROM {conn.dialect.identifier_preparer.format_table(table)}), 0) + 1, false)"
            ),
            {"table": table.name, "column": column.name},
        )
