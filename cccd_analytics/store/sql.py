"""The store's SQL helpers, shared by its readers and writers: rows in bulk at the engine's
speed, values bound as the driver wants them, dates as stored, one SQLite transaction for
DDL, and the rows every change writes in its own transaction (data revision, audit entry)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from cccd_analytics.store.schema import audit_log, data_revisions, units

if TYPE_CHECKING:
    import pandas as pd


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _as_date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _unit_row(record: dict) -> dict:
    import pandas as pd

    columns = {c.name for c in units.columns}
    row = {k: v for k, v in record.items() if k in columns}
    for key in ("population", "eligible_estimate"):
        value = row.get(key)
        row[key] = None if value is None or pd.isna(value) else int(value)
    for key in ("parent_key", "district_key", "province_key", "code"):
        value = row.get(key)
        row[key] = None if value is None or (isinstance(value, float) and pd.isna(value)) else value
    row["official"] = bool(row.get("official", False))
    return row


def _sqlite_transactional_ddl(conn: sa.Connection) -> None:
    """Put what follows on `conn`, DDL included, in one SQLite transaction.

    Python's sqlite3 driver opens a transaction only before INSERT/UPDATE/DELETE, so the
    CREATE TABLEs of a migration ran one by one, each committed at once: a migration that
    failed part-way left half a schema.  Here the driver is told to open none itself and
    BEGIN IMMEDIATE is sent (the write lock at once: two processes starting together wait
    for each other instead of failing); SQLAlchemy's commit or rollback at the end of the
    block ends it.  The connection is given back to the pool as it was.
    """
    driver = conn.connection.driver_connection
    before = driver.isolation_level
    driver.isolation_level = None

    def restore(*_args) -> None:
        driver.isolation_level = before

    sa.event.listen(conn, "commit", restore, once=True)
    sa.event.listen(conn, "rollback", restore, once=True)
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _bulk_insert(conn: sa.Connection, table: sa.Table, columns: list[str], fixed: dict | None = None):
    """A function that inserts rows (tuples in `columns` order, values already bound)
    with one executemany of the INSERT SQLAlchemy compiles for this dialect — the same
    statement on SQLite and PostgreSQL, without Core's per-row parameter processing.
    `fixed`: SQL expressions of the other columns, the same for every row, written into
    the statement (not bound for each row)."""
    statement = sa.insert(table).values(**fixed) if fixed else sa.insert(table)
    compiled = statement.compile(dialect=conn.dialect, column_keys=columns, for_executemany=True)
    sql = str(compiled)
    order = list(compiled.positiontup) if compiled.positional else None

    copy = _copier(conn, table, columns) if not fixed else None

    def insert(rows) -> None:
        if copy is not None:
            rows = rows if isinstance(rows, list) else list(rows)
            if len(rows) >= COPY_FROM_ROWS:
                copy(rows)
                return
        if order is not None:
            index = [columns.index(name) for name in order]
            params = (
                [tuple(row[i] for i in index) for row in rows]
                if index != list(range(len(columns)))
                else list(rows)
            )
        else:
            params = [dict(zip(columns, row)) for row in rows]
        if params:
            conn.exec_driver_sql(sql, params)

    return insert


# From this many rows on, PostgreSQL takes a bulk insert by COPY: an executemany is a bind
# and an execution per row on both sides (a nation's 20.000 unit and upload_units rows
# cost ~0,7 s of CPU that way), COPY a line of text per row.
COPY_FROM_ROWS = 64

# The column types whose bound Python values COPY's text format takes as the INSERT does.
_COPYABLE = (sa.String, sa.Integer, sa.Date, sa.Boolean)


def _copier(conn: sa.Connection, table: sa.Table, columns: list[str], if_absent: list[str] | None = None):
    """PostgreSQL: a function that writes rows (tuples in `columns` order, values already
    bound) in the caller's transaction, by COPY FROM STDIN; with `if_absent` (the key), as
    `_insert_if_absent` does, by one INSERT … SELECT FROM unnest(column arrays) … ON CONFLICT
    DO NOTHING (COPY has no ON CONFLICT, and a temporary table needs a privilege a deployment
    may withhold).  None on another engine or for a column whose bound values COPY's text
    format might read otherwise."""
    if conn.dialect.name != "postgresql" or not all(
        isinstance(table.c[name].type, _COPYABLE) for name in columns
    ):
        return None
    quote = conn.dialect.identifier_preparer
    names = ", ".join(quote.quote(name) for name in columns)
    target = quote.format_table(table)
    if if_absent:
        arrays = ", ".join(f"%s::{table.c[name].type.compile(dialect=conn.dialect)}[]" for name in columns)
        keys = ", ".join(quote.quote(name) for name in if_absent)
        statement = (
            f"INSERT INTO {target} ({names}) SELECT * FROM unnest({arrays}) ON CONFLICT ({keys}) DO NOTHING"
        )

    def copy(rows: list) -> None:
        driver = conn.connection.driver_connection
        with driver.cursor() as cursor:
            if if_absent:
                cursor.execute(statement, [list(column) for column in zip(*rows)])
                return
            with cursor.copy(f"COPY {target} ({names}) FROM STDIN") as stream:
                for row in rows:
                    stream.write_row(row)

    return copy


def _bulk_insert_columns(
    conn: sa.Connection,
    table: sa.Table,
    columns: list[str],
    fixed: dict | None = None,
    per_statement: int = 200,
):
    """Like `_bulk_insert`, for many rows given as columns (sequences of equal length, values
    already bound): `per_statement` rows to each execution of one INSERT with as many VALUES
    groups, the rest by the one-row statement.  SQLite binds and steps a statement once per
    execution, so 200 rows to a statement halve the cost of a row against one row each
    (measured 0,83 against 1,6 µs a row on a million observations: SQLite's own insert is
    ~0,4 µs).  Needs a positional paramstyle (SQLite's); otherwise one row a statement."""
    import numpy as np

    one_row = _bulk_insert(conn, table, columns, fixed)
    statement = sa.insert(table).values(**fixed) if fixed else sa.insert(table)
    compiled = statement.compile(dialect=conn.dialect, column_keys=columns, for_executemany=True)
    sql = str(compiled)
    head, values_kw, group = sql.rpartition(" VALUES ")
    positional = compiled.positional and list(compiled.positiontup) == columns and values_kw
    many_sql = head + values_kw + ", ".join([group] * per_statement) if positional else None

    def insert(values: list) -> None:
        count = len(values[0]) if values else 0
        full = (count // per_statement) * per_statement if many_sql else 0
        if full:
            # One object array, row after row, cut into runs of `per_statement` rows: the
            # flat parameters of each execution, without a Python tuple per row.
            flat = np.empty((full, len(columns)), dtype=object)
            for i, column in enumerate(values):
                flat[:, i] = column[:full]
            runs = flat.reshape(-1, per_statement * len(columns)).tolist()
            conn.exec_driver_sql(many_sql, list(map(tuple, runs)))
        if full < count:
            one_row(zip(*(np.asarray(column[full:]).tolist() for column in values)))

    return insert


def literal(conn: sa.Connection, column: sa.Column, value) -> sa.ColumnElement:
    """`value` written into a statement as the column's literal (quoted and escaped by the
    dialect), for a value every row of a bulk insert has: a bound value costs the driver
    ~0,15 µs a row, and an export's rows repeat their dimension, metric and marks."""
    if value is None:
        return sa.null()
    rendered = sa.literal(value, type_=column.type).compile(
        dialect=conn.dialect, compile_kwargs={"literal_binds": True}
    )
    return sa.literal_column(str(rendered), type_=column.type)


def _bound(conn: sa.Connection, column: sa.Column, values: pd.Series) -> list:
    """`values` as the driver gets them from SQLAlchemy: the column's bind processor
    (e.g. date → ISO text on SQLite) applied once per distinct value."""
    import pandas as pd

    process = column.type._cached_bind_processor(conn.dialect)
    codes, uniques = pd.factorize(values, sort=False)
    uniques = [process(v) if process else v for v in uniques]
    return [uniques[c] if c >= 0 else None for c in codes.tolist()]


def _insert_if_absent(conn: sa.Connection, table: sa.Table, key: list[str]):
    """INSERT that skips rows whose key already exists (committed or being committed)."""
    name = conn.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        return table.insert()
    return insert(table).on_conflict_do_nothing(index_elements=key)


def _revision(conn: sa.Connection, change: str) -> None:
    """Record, in the caller's transaction, that what the pages show has changed."""
    conn.execute(data_revisions.insert().values(at=_now(), change=change))


def _audit(conn: sa.Connection, action: str, username: str | None, **detail) -> None:
    """One audit-log entry, in the caller's transaction."""
    conn.execute(
        audit_log.insert().values(
            at=_now(),
            username=username,
            action=action,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
        )
    )


def _audit_as(conn: sa.Connection, action: str, audit: dict, **detail) -> None:
    """The entry a caller asked for with `audit={"username": …, other details}`, beside the
    details the store knows (upload id, file name …), in the caller's transaction."""
    _audit(
        conn, action, audit.get("username"), **detail, **{k: v for k, v in audit.items() if k != "username"}
    )
