"""The store: one SQLAlchemy engine, SQLite by default, any URL for a shared server.

Everything a user uploads is written in one transaction (`Store.write_upload`), so
a refused or interrupted import leaves the store as it was.  Observations are never
updated in place: a later report for the same unit, date and metric is a new row, the
newest active upload wins, and undoing an upload brings the earlier values back.

The package, by concern (docs/architecture.md):

* here — opening a database (engine, SQLite pragmas, migrations) and `Store`, which gathers
  the methods of the modules below;
* `errors` — StoreError and StoreUnavailable, the messages users see;
* `uploads` — writing and undoing an upload in one transaction; `current` and `reads` —
  reading the values in force and the rest of the stored data;
* `cache` — the data version and the results shared by every process;
* `definitions` — campaigns, tags, column mappings, quality notes; `accounts` — users and
  the audit trail;
* `sql` — the SQL helpers they share; `schema` — tables and migrations; `backup`, `copy`,
  `fingerprint` — backups and copies between databases.
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path

import sqlalchemy as sa

from cccd_analytics import exit_codes, registry
from cccd_analytics.store import schema
from cccd_analytics.store.accounts import AccountsMixin
from cccd_analytics.store.cache import CacheMixin
from cccd_analytics.store.definitions import DefinitionsMixin
from cccd_analytics.store.errors import (
    DISK_FULL,
    UNAVAILABLE,
    UNAVAILABLE_FULL,
    StoreError,
    StoreUnavailable,
    _unavailable,
    _without_password,
)
from cccd_analytics.store.reads import ReadsMixin
from cccd_analytics.store.schema import METRICS, unit_tags, units
from cccd_analytics.store.sql import _bulk_insert, _now, _sqlite_transactional_ddl
from cccd_analytics.store.uploads import NewUpload, UploadsMixin, value_rows

__all__ = [
    "DEFAULT_SQLITE",
    "DISK_FULL",
    "METRICS",
    "MIGRATION_LOCK",
    "PROJECT_DIR",
    "UNAVAILABLE",
    "UNAVAILABLE_FULL",
    "NewUpload",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "default_url",
    "value_rows",
]

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE = PROJECT_DIR / "data" / "cccd.sqlite"
MIGRATION_LOCK = 0x43434344  # PostgreSQL advisory lock held while migrating ("CCCD")


def default_url() -> str:
    return os.environ.get("CCCD_DB_URL") or f"sqlite:///{DEFAULT_SQLITE}"


def _busy_ms() -> int:
    """How long an SQLite write waits for another one's lock before giving up (exit code
    3: retry later).  CCCD_SQLITE_BUSY_MS, default 10 s."""
    raw = os.environ.get("CCCD_SQLITE_BUSY_MS", "")
    return int(raw) if raw.isdigit() else 10_000


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    # WAL: readers (the dashboard) are not blocked by an import's transaction.  NORMAL, not
    # FULL: in WAL mode NORMAL never leaves the file inconsistent and an application crash
    # loses nothing committed; a power cut or an OS crash may roll back the commits made since
    # the WAL was last synced (by a checkpoint: one runs, and syncs, at the commit of any
    # write of more than 1000 pages, so a large upload is on disk when its commit returns).
    # What may be lost is then the last small writes, and a lost upload is absent from the
    # list of uploads, not half there.  FULL (a sync at every commit) made the national load
    # 1.4-1.6× slower on the shared test machine (docs/performance.md).
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={_busy_ms()}")
    cur.close()


# Every engine this process opened, so that a command can close their connections before it
# leaves without the interpreter's teardown (cli.run).
_ENGINES: weakref.WeakSet[sa.Engine] = weakref.WeakSet()


def close_all() -> None:
    """Close the pooled connections of every store this process opened. Closing the last
    connection to a SQLite file in WAL mode writes the log back into the file and removes
    it: the file alone is then the whole database (copied by hand, attached to a mail)."""
    for engine in list(_ENGINES):
        engine.dispose()


class Store(UploadsMixin, ReadsMixin, CacheMixin, DefinitionsMixin, AccountsMixin):
    """Access to one database.  Open with `Store.open(url)`; migrations run on open.

    The methods live with their concern (uploads, reads, cache, definitions, accounts):
    this class opens the database and keeps its schema current."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        _ENGINES.add(engine)

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        url = url or default_url()
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            folder = Path(url.removeprefix("sqlite:///")).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"Không tạo được thư mục «{folder}» cho cơ sở dữ liệu "
                    f"({exc.strerror or type(exc).__name__}).",
                    exit_codes.USAGE,
                ) from None
        try:
            # A server that restarted has closed every pooled connection: each is tested
            # before use (one round trip), so the first page after the restart works instead
            # of failing once more on a dead connection.
            options = {} if url.startswith("sqlite") else {"pool_pre_ping": True}
            engine = sa.create_engine(url, future=True, **options)
        except (sa.exc.ArgumentError, ImportError, ValueError) as exc:
            # Never the password: the message may reach a log or a screen.
            raise StoreError(
                f"Địa chỉ cơ sở dữ liệu không hợp lệ: {_without_password(url)!r} "
                f"({_without_password(str(exc))})",
                exit_codes.USAGE,
            ) from None
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "handle_error", _unavailable)
        store = cls(engine)
        try:
            store.migrate()
        except sa.exc.OperationalError as exc:
            # What is left once locks and outages are StoreUnavailable: a file that cannot
            # be opened or written (permissions), or one that is not a database.
            text = str(exc.orig).lower()
            denied = "readonly" in text or "unable to open" in text or "permission" in text
            raise StoreError(
                f"Không mở được cơ sở dữ liệu {engine.url!r}: {exc.orig}",
                exit_codes.USAGE if denied else exit_codes.REFUSED,
            ) from None
        return store

    # -- schema -----------------------------------------------------------------------
    def migrate(self) -> int:
        """Apply pending migrations; seed the official registry.  Returns the version.
        All or nothing: a failure part-way leaves the schema as it was."""
        if self.engine.dialect.name == "sqlite" and self._up_to_date():
            # Nothing to do: no write lock taken (another process may be writing).
            return len(schema.MIGRATIONS)
        with self.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                _sqlite_transactional_ddl(conn)
            if conn.dialect.name == "postgresql":
                # Replicas starting together on one server: one migrates, the others wait for
                # it and then find nothing to do (else both CREATE the same tables and one fails).
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            schema.schema_version.create(conn, checkfirst=True)
            done = set(conn.scalars(sa.select(schema.schema_version.c.version)))
            for number, step in enumerate(schema.MIGRATIONS, start=1):
                if number not in done:
                    step(conn)
                    conn.execute(schema.schema_version.insert().values(version=number, applied_at=_now()))
            self._seed_registry(conn)
            return len(schema.MIGRATIONS)

    def _up_to_date(self) -> bool:
        """Every migration applied and the official registry seeded (reads only)."""
        with self.engine.connect() as conn:
            if not sa.inspect(conn).has_table(schema.schema_version.name):
                return False
            done = set(conn.scalars(sa.select(schema.schema_version.c.version)))
            if not set(range(1, len(schema.MIGRATIONS) + 1)) <= done:
                return False
            have = conn.execute(
                sa.select(sa.func.count()).select_from(units).where(units.c.official.is_(True))
            ).scalar_one()
            return have >= registry.official_unit_count()

    def _seed_registry(self, conn: sa.Connection) -> None:
        reg = registry.load_registry()
        have = conn.execute(
            sa.select(sa.func.count()).select_from(units).where(units.c.official.is_(True))
        ).scalar_one()
        if have >= len(reg):
            return
        existing = set(conn.scalars(sa.select(units.c.key)))
        fresh = reg[~reg["key"].isin(existing)]
        if not len(fresh):
            return
        # Column by column, each cell as `_unit_row` makes it (None where missing, counts as
        # int, `official` as bool), one executemany of tuples: to_dict("records") of the
        # registry and Core's per-row parameters cost ~0,1 s of CPU of every fresh store's
        # opening under load (the first step of a `cccd ingest` into a new store).
        columns = [c.name for c in units.columns if c.name in fresh.columns]
        cells = []
        for name in columns:
            values = fresh[name].astype(object).tolist()
            missing = fresh[name].isna().tolist()
            if name in ("population", "eligible_estimate"):
                values = [None if gone else int(v) for v, gone in zip(values, missing)]
            elif name == "official":
                values = [bool(v) for v in values]
            else:
                values = [None if gone else v for v, gone in zip(values, missing)]
            cells.append(values)
        _bulk_insert(conn, units, columns)(zip(*cells))
        tags = [
            (key, tag) for key, listed in zip(fresh["key"].tolist(), fresh["tags"].tolist()) for tag in listed
        ]
        _bulk_insert(conn, unit_tags, ["unit_key", "tag"])(tags)
