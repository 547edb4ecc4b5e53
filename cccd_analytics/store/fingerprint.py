"""What a store holds, table by table: row counts and checksums that come out the same on
SQLite and PostgreSQL, so a copy or a restore can be checked row for row.

Every table of the schema (`schema.metadata`) is covered, in foreign-key order, so a
table a later migration adds is counted, copied and checked without a change here.  A
database holding a table the schema does not know comes from a newer release: it is
refused rather than copied in part.

The checksum of a table is the sum (mod 2**64) of a 64-bit BLAKE2b hash of each row,
each value written in one canonical form whichever engine it was read from:

* the values are read through the schema's SQLAlchemy types, so both engines give the same
  Python objects (dates as `date`, booleans as `bool`, big integers as `int`, NULL as None);
* a timezone-aware timestamp counts as its UTC time; a naive one as written (the store
  writes UTC);
* floats by `repr` (exact), decimals normalised, text as its exact code points (no
  collation, no Unicode normalisation);
* the sum does not depend on row order, so no ORDER BY on text (whose order differs
  between SQLite's byte order and a PostgreSQL locale).

Hand-written rather than a library: no kept library checksums a table identically across
two engines; the whole idea fits in `_row_text`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

import numpy as np
import sqlalchemy as sa

from cccd_analytics.store import schema
from cccd_analytics.text import thousands

MASK = (1 << 64) - 1
#: Tables whose rows a freshly migrated store already has (the registry seed and the
#: migration log): they alone do not make a store "not empty".
SEEDED = ("schema_version", "units", "unit_tags")


@dataclass(frozen=True)
class TableSum:
    rows: int
    digest: int  # sum of the rows' hashes mod 2**64

    def __str__(self) -> str:
        return f"{self.rows}:{self.digest:016x}"


def tables(metadata: sa.MetaData = schema.metadata) -> list[sa.Table]:
    """Every table of the schema, parents before children (the order to insert in)."""
    return list(metadata.sorted_tables)


def schema_version(conn: sa.Connection) -> int:
    """The newest migration applied to this database (0: not a store yet)."""
    if not sa.inspect(conn).has_table(schema.schema_version.name):
        return 0
    return int(conn.scalar(sa.select(sa.func.max(schema.schema_version.c.version))) or 0)


def unknown_tables(conn: sa.Connection, metadata: sa.MetaData = schema.metadata) -> list[str]:
    """Tables in the database that the schema does not know (a newer release made them)."""
    known = set(metadata.tables)
    return sorted(
        name
        for name in sa.inspect(conn).get_table_names()
        if name not in known and not name.startswith("sqlite_")
    )


def counts(conn: sa.Connection, chosen: Iterable[sa.Table] | None = None) -> dict[str, int]:
    """Rows per table, for the tables of the schema that exist in this database."""
    present = set(sa.inspect(conn).get_table_names())
    return {
        t.name: int(conn.scalar(sa.select(sa.func.count()).select_from(t)))
        for t in (chosen if chosen is not None else tables())
        if t.name in present
    }


def content(conn: sa.Connection) -> dict[str, int]:
    """Rows a freshly migrated store would not have, per table: uploads, observations,
    campaigns, accounts, audit entries, unofficial units …  Empty: nothing to lose.
    Tables marked `info={"derived": True}` in the schema (computed from the others) do not
    count."""
    derived = {t.name for t in tables() if t.info.get("derived")}
    found = {name: n for name, n in counts(conn).items() if n and name not in SEEDED and name not in derived}
    unofficial = conn.scalar(
        sa.select(sa.func.count()).select_from(schema.units).where(schema.units.c.official.is_(False))
    )
    if unofficial:
        found["units"] = int(unofficial)
    if "observations" in found:
        found["observations"] = values(conn)
    return found


def values(conn: sa.Connection) -> int:
    """The values `observations` holds (a row per unit, day and upload, a column per
    metric): what a person counts as figures, not the rows."""
    table = schema.observations
    return int(
        conn.scalar(sa.select(sum((sa.func.count(table.c[m]) for m in schema.METRICS), sa.literal(0))))
    )


def describe(found: dict[str, int]) -> str:
    """`content` in Vietnamese, for a question or a refusal."""
    labels = {
        "uploads": "lần nhập",
        "observations": "số liệu",
        "campaigns": "chiến dịch",
        "users": "tài khoản",
        "audit_log": "dòng nhật ký",
        "units": "đơn vị ngoài danh mục",
        "column_mappings": "cách ghép cột đã nhớ",
        "quality_notes": "ghi chú chất lượng",
    }
    return ", ".join(f"{thousands(n)} {labels.get(name, name)}" for name, n in found.items())


def checksums(conn: sa.Connection, chosen: Iterable[sa.Table] | None = None) -> dict[str, TableSum]:
    """`TableSum` per table (rows and checksum), for the tables that exist here."""
    present = set(sa.inspect(conn).get_table_names())
    out = {}
    for table in chosen if chosen is not None else tables():
        if table.name in present:
            summer = Summer(table)
            for columns in read_columns(conn, table):
                summer.add(columns)
            out[table.name] = summer.result()
    return out


def read_columns(conn: sa.Connection, table: sa.Table, size: int = 50_000) -> Iterator[list[list]]:
    """The table's rows, `size` at a time, as one list per column (in column order) of the
    Python values the schema's types give on every engine (date, bool, int …).

    SQLAlchemy's own SELECT for this dialect runs on the driver's cursor (a server-side one
    on PostgreSQL: a national table is never held whole), and each column's result processor
    is applied to the column at once: the same values as through a Result, without a Row
    object and a per-row call for each of millions of rows."""
    columns = list(table.columns)
    query = sa.select(*columns)
    key = list(table.primary_key.columns)
    if key:
        query = query.order_by(*key)
    compiled = query.compile(dialect=conn.dialect)
    driver = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        cursor = driver.cursor(name=f"cccd_read_{table.name}")  # server-side, in this transaction
        cursor.itersize = size
    else:
        cursor = driver.cursor()
    try:
        cursor.execute(str(compiled), compiled.params or ())
        # A processor may depend on what the driver says it returns (PostgreSQL's type codes).
        described = [d[1] for d in cursor.description] if cursor.description else [None] * len(columns)
        processors = [
            c.type._cached_result_processor(conn.dialect, code) for c, code in zip(columns, described)
        ]
        while rows := cursor.fetchmany(size):
            values = [list(column) for column in zip(*rows)]
            for i, process in enumerate(processors):
                if process is not None:
                    values[i] = [None if v is None else process(v) for v in values[i]]
            yield values
    finally:
        cursor.close()


def rows_of(columns: list[list]) -> list[tuple]:
    return list(zip(*columns))


class Summer:
    """The running checksum of one table's rows, fed in any order and any batches."""

    def __init__(self, table: sa.Table):
        self.table = table.name
        self.rows = 0
        self.digest = 0
        self._texts = [_column_text_for(c.type) for c in table.columns]

    def add(self, columns: list[list]) -> None:
        if not columns or not columns[0]:
            return
        texts = [to_text(values) for to_text, values in zip(self._texts, columns)]
        blake = hashlib.blake2b
        digests = b"".join(
            [
                blake(row.encode("utf-8", "surrogatepass"), digest_size=8).digest()
                for row in map("|".join, zip(*texts))
            ]
        )
        # The 64-bit little-endian hashes summed with wrap-around: numpy's uint64 sum is mod 2**64.
        batch = int(np.frombuffer(digests, dtype="<u8").sum(dtype=np.uint64))
        self.digest = (self.digest + batch) & MASK
        self.rows += len(columns[0])

    def result(self) -> TableSum:
        return TableSum(self.rows, self.digest)


def _row_text(row: tuple) -> str:
    """One row's canonical text: each value length-prefixed, so ("ab", "c") and ("a", "bc")
    differ.  (Summer builds the same text a column at a time.)"""
    return "|".join(_prefixed(_value_text(value)) for value in row)


def _prefixed(text: str) -> str:
    return f"{len(text)}:{text}"


def _column_text_for(kind: sa.types.TypeEngine):
    """A function giving the length-prefixed canonical texts of a column's values: a quick
    path for the common types (the same texts `_value_text` gives), `_value_text` for the rest."""
    python_type = None
    try:
        python_type = kind.python_type
    except NotImplementedError:
        pass
    if python_type is str:
        return lambda values: ["1:N" if v is None else f"{len(v) + 1}:s{v}" for v in values]
    if python_type is int and not isinstance(kind, sa.Boolean):

        def ints(values):
            if None not in values:
                return [f"{len(t) + 1}:i{t}" for t in map(str, values)]
            return ["1:N" if v is None else f"{len(str(v)) + 1}:i{v}" for v in values]

        return ints
    if python_type is date and not isinstance(kind, sa.DateTime):
        return lambda values: ["1:N" if v is None else f"11:D{v.isoformat()}" for v in values]
    return lambda values: [_prefixed(_value_text(v)) for v in values]


def _value_text(value) -> str:
    if value is None:
        return "N"
    kind = type(value)
    if kind is str:
        return "s" + value
    if kind is bool:
        return "b1" if value else "b0"
    if kind is int:
        return "i" + str(value)
    if kind is float:
        return "f" + repr(value)
    if kind is datetime:
        return "T" + utc_naive(value).isoformat()
    if kind is date:
        return "D" + value.isoformat()
    if kind is time:
        return "t" + value.isoformat()
    if kind is Decimal:
        return "d" + str(value.normalize())
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "x" + bytes(value).hex()
    if isinstance(value, bool):  # numpy bools and other subclasses
        return "b1" if value else "b0"
    if isinstance(value, int):
        return "i" + str(int(value))
    if isinstance(value, float):
        return "f" + repr(float(value))
    if isinstance(value, datetime):
        return "T" + utc_naive(value).isoformat()
    if isinstance(value, date):
        return "D" + value.isoformat()
    return "?" + str(value)


def utc_naive(value: datetime) -> datetime:
    """A timestamp as naive UTC: an aware one converted, a naive one taken as UTC already
    (the store writes UTC), so both engines' readings of one instant agree."""
    if value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


@contextmanager
def snapshot(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection whose reads all see one moment of the database, while others keep
    importing: a REPEATABLE READ transaction on PostgreSQL, a read transaction on SQLite
    (WAL: writers are not blocked).  Nothing is written through it."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            driver = conn.connection.driver_connection
            before = driver.isolation_level
            # Python's sqlite3 opens no transaction for a SELECT; BEGIN does (deferred: the
            # snapshot is taken at the first read, just below).
            driver.isolation_level = None
            try:
                conn.exec_driver_sql("BEGIN")
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").all()
                try:
                    yield conn
                finally:
                    conn.exec_driver_sql("ROLLBACK")
            finally:
                driver.isolation_level = before
        return
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        transaction = conn.begin()
        try:
            conn.execute(sa.text("SELECT 1"))  # the snapshot is taken at the first statement
            yield conn
        finally:
            transaction.rollback()
