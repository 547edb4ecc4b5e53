"""The store: one SQLAlchemy engine, SQLite by default, any URL for a shared server.

Everything a user uploads is written in one transaction (`Store.write_upload`), so
a refused or interrupted import leaves the store as it was.  Observations are never
updated in place: a later report for the same unit, date and metric is a new row, the
newest active upload wins, and undoing an upload brings the earlier values back.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from cccd_analytics import exit_codes, registry
from cccd_analytics.store import schema
from cccd_analytics.store.schema import (
    audit_log,
    breakdowns,
    campaigns,
    column_mappings,
    current_breakdowns,
    current_values,
    data_revisions,
    denominators,
    observations,
    shared_results,
    unit_tags,
    units,
    uploads,
    users,
)

if TYPE_CHECKING:  # pandas is imported where a frame is built: `cccd user …` needs none
    import pandas as pd

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE = PROJECT_DIR / "data" / "cccd.sqlite"
METRICS = ("collected", "returned", "eligible", "collected_day")
MIGRATION_LOCK = 0x43434344  # PostgreSQL advisory lock held while migrating ("CCCD")


class StoreError(Exception):
    """A store problem with a message fit for users (Vietnamese).

    `exit_code` (cccd_analytics.exit_codes) tells a script what kind of problem it is:
    refused input by default, or wrong usage / permissions."""

    exit_code = exit_codes.REFUSED

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class StoreUnavailable(StoreError):
    """The database cannot be reached, stayed locked/busy too long, or its disk is full:
    nothing was changed; try again later."""

    exit_code = exit_codes.UNAVAILABLE

    def __init__(self, message: str, why: str = ""):
        super().__init__(message)
        self.why = why


UNAVAILABLE = (
    "Không làm việc được với cơ sở dữ liệu ({why}). Số liệu không bị thay đổi; hãy thử lại "
    "sau ít phút. Nếu vẫn lỗi, báo quản trị hệ thống."
)
DISK_FULL = "ổ đĩa chứa cơ sở dữ liệu đã đầy"
UNAVAILABLE_FULL = (
    "Không ghi được vào cơ sở dữ liệu ({why}). Số liệu không bị thay đổi; hãy giải phóng chỗ "
    "trống trên ổ đĩa (hoặc báo quản trị hệ thống) rồi làm lại."
)


def _unavailable(context) -> None:
    """`handle_error` listener: a locked, busy or unreachable database becomes StoreUnavailable.

    Programming errors (no such table, bad SQL, constraint violations) stay as they are.
    The message never carries the database address or its password.
    """
    exc = context.original_exception
    if (
        not isinstance(context.sqlalchemy_exception, (sa.exc.OperationalError, sa.exc.InterfaceError))
        and not context.is_disconnect
    ):
        return
    text = str(exc).lower()
    if (
        context.dialect is not None
        and context.dialect.name == "sqlite"
        and (
            text.startswith(("no such", "near "))
            or "syntax error" in text
            or "has no column" in text
            or "already exists" in text
        )
    ):
        return
    if "disk is full" in text or "no space left" in text or "could not extend file" in text:
        # SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100): the write was rolled back.
        raise StoreUnavailable(UNAVAILABLE_FULL.format(why=DISK_FULL), DISK_FULL) from exc
    if "locked" in text or "busy" in text or "lock timeout" in text or "could not obtain lock" in text:
        why = "cơ sở dữ liệu đang bị khóa bởi một thao tác khác"
    elif "timeout" in text or "timed out" in text or "canceling statement" in text:
        why = "máy chủ cơ sở dữ liệu trả lời quá chậm"
    else:
        why = "không kết nối được máy chủ cơ sở dữ liệu"
    raise StoreUnavailable(UNAVAILABLE.format(why=why), why) from exc


def default_url() -> str:
    return os.environ.get("CCCD_DB_URL") or f"sqlite:///{DEFAULT_SQLITE}"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _busy_ms() -> int:
    """How long an SQLite write waits for another one's lock before giving up (exit code
    3: retry later).  CCCD_SQLITE_BUSY_MS, default 10 s."""
    raw = os.environ.get("CCCD_SQLITE_BUSY_MS", "")
    return int(raw) if raw.isdigit() else 10_000


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={_busy_ms()}")
    cur.close()


@dataclass(frozen=True)
class NewUpload:
    """One import, ready to be written: the upload row and its observations."""

    file_name: str
    sha256: str
    rows_read: int
    observations: pd.DataFrame  # unit_key, date, metric, value
    new_units: pd.DataFrame  # unofficial units first seen in this file (UNIT columns)
    report_date: date | None = None
    uploaded_by: str | None = None
    warnings: tuple[dict, ...] = ()
    kind: str = "canonical"
    layout: str | None = None
    encoding: str | None = None
    # An audit-log entry written in the same transaction: {"username": …, other details};
    # the entry gets action "upload", the upload's id, file name and row count.
    audit: dict | None = None
    # Parts of commune-days (unit_key, date, dimension, value, metric, count) and
    # dated denominators of parts (unit_key, dimension, value, date, count, kind, detail).
    parts: pd.DataFrame | None = None
    denominators: pd.DataFrame | None = None


class Store:
    """Access to one database.  Open with `Store.open(url)`; migrations run on open."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

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
        fresh = reg[~reg.key.isin(existing)]
        rows = [_unit_row(r) for r in fresh.to_dict("records")]
        if rows:
            conn.execute(units.insert(), rows)
            tags = [{"unit_key": r["key"], "tag": t} for r in fresh.to_dict("records") for t in r["tags"]]
            if tags:
                conn.execute(unit_tags.insert(), tags)

    # -- uploads ----------------------------------------------------------------------
    def find_upload_by_sha(self, sha256: str) -> dict | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    sa.select(uploads).where(uploads.c.sha256 == sha256, uploads.c.status == "active")
                )
                .mappings()
                .first()
            )
            return dict(row) if row else None

    def write_upload(self, new: NewUpload, hook=None) -> int:
        """Write one upload and its observations in one transaction; return its id.

        `hook(stage)` is called between the steps (tests use it to kill the process
        mid-import and prove the store is left unchanged).
        """
        hook = hook or (lambda stage: None)
        with self.engine.begin() as conn:
            upload_id = conn.execute(
                uploads.insert().values(
                    file_name=new.file_name,
                    sha256=new.sha256,
                    report_date=new.report_date,
                    uploaded_by=new.uploaded_by,
                    uploaded_at=_now(),
                    rows_read=new.rows_read,
                    warnings=json.dumps(list(new.warnings), ensure_ascii=False, default=str),
                    kind=new.kind,
                    layout=new.layout,
                    encoding=new.encoding,
                    status="active",
                )
            ).inserted_primary_key[0]
            hook("upload")
            if len(new.new_units):
                existing = set(
                    conn.scalars(sa.select(units.c.key).where(units.c.key.in_(list(new.new_units["key"]))))
                )
                # The records as to_dict("records") gives them, from the columns (performance:
                # to_dict walked 10,000 new units cell by cell).
                frame, names = new.new_units, list(new.new_units.columns)
                records = [dict(zip(names, values)) for values in zip(*(frame[c].tolist() for c in names))]
                rows = [_unit_row(r) for r in records if r["key"] not in existing]
                if rows:
                    # Two analysts uploading at once may both bring the same new unit: the
                    # second insert must not fail on the first one's row (PostgreSQL runs the
                    # two transactions side by side; SQLite serialises them).
                    conn.execute(_insert_if_absent(conn, units, ["key"]), rows)
            hook("units")
            # In the order of the (unit, metric, date) index, which SQLite then fills
            # sequentially (a quarter faster on 300,000 rows); only row ids depend on it.
            obs = new.observations.sort_values(["unit_key", "metric", "date"], kind="stable")
            # The rows go to the engine in bulk: PostgreSQL by COPY, SQLite by one prepared
            # INSERT and executemany (Core's per-row parameter processing cost ~7 µs a row).
            if conn.dialect.name == "postgresql":
                _copy_observations(conn, upload_id, obs, hook)
            else:
                _insert_observations(conn, upload_id, obs, hook)
            _put_current(conn, upload_id, obs)
            hook("current")
            if new.parts is not None and len(new.parts):
                _write_parts(conn, upload_id, new.parts)
                hook("parts")
            if new.denominators is not None and len(new.denominators):
                _write_denominators(conn, upload_id, new.denominators)
            _revision(conn, "upload")
            if new.audit is not None:
                _audit_as(
                    conn,
                    "upload",
                    new.audit,
                    upload_id=int(upload_id),
                    file_name=new.file_name,
                    rows=new.rows_read,
                )
                hook("audit")
            return int(upload_id)

    def undo_upload(self, upload_id: int, who: str | None = None, audit: dict | None = None) -> bool:
        """Withdraw a whole upload: its values stop counting; earlier ones come back.
        `audit` ({"username": …, other details}): an "undo" entry written in the same
        transaction, when the upload was withdrawn."""
        with self.engine.begin() as conn:
            result = conn.execute(
                uploads.update()
                .where(uploads.c.id == upload_id, uploads.c.status == "active")
                .values(status="undone", undone_at=_now(), undone_by=who)
            )
            done = result.rowcount == 1
            if done:
                # Where this upload's value was in force, the newest other active one is now.
                conn.execute(
                    sa.text(
                        "DELETE FROM current_values WHERE upload_id = :upload_id AND EXISTS ("
                        "SELECT 1 FROM observations w WHERE w.upload_id = :upload_id "
                        "AND w.unit_key = current_values.unit_key AND w.metric = current_values.metric "
                        "AND w.date = current_values.date)"
                    ),
                    {"upload_id": upload_id},
                )
                schema.fill_current_values(conn, upload_id)
                _undo_parts(conn, upload_id)
                _revision(conn, "undo")
            if done and audit is not None:
                _audit_as(conn, "undo", audit, upload_id=upload_id)
            return done

    def data_version(self) -> tuple:
        """A token that changes whenever an upload, an undo, a campaign or a tag edit changes
        what the pages show: cached and shared results are keyed on it.

        Each such change adds a row to data_revisions in its own transaction; the count is
        there beside the highest id because two transactions may commit out of id order."""

        def scalar(column):
            return column.scalar_subquery()

        query = sa.select(  # one round trip: every page run asks
            scalar(sa.select(sa.func.max(uploads.c.id))),
            scalar(sa.select(sa.func.count(uploads.c.undone_at))),
            scalar(sa.select(sa.func.max(campaigns.c.updated_at))),
            scalar(sa.select(sa.func.count(campaigns.c.id))),
            scalar(sa.select(sa.func.count()).select_from(data_revisions)),
            scalar(sa.select(sa.func.max(data_revisions.c.id))),
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).one()
        return (row[0], row[1], str(row[2]), row[3], row[4], row[5])

    # -- results shared by every process (cccd_analytics.shared) -------------------------
    def shared_result(self, key: str, version: str) -> bytes | None:
        """The payload kept under `key` for data version `version`, or None."""
        with self.engine.connect() as conn:
            payload = conn.scalar(
                sa.select(shared_results.c.payload).where(
                    shared_results.c.key == key, shared_results.c.data_version == version
                )
            )
        return bytes(payload) if payload is not None else None

    def put_shared_result(self, key: str, kind: str, label: str, version: str, payload: bytes) -> None:
        """Keep `payload` under `key` for data version `version`; results of this kind kept
        for another version are dropped (never read again once the data moved on)."""
        with self.engine.begin() as conn:
            conn.execute(
                shared_results.delete().where(
                    (shared_results.c.key == key)
                    | ((shared_results.c.kind == kind) & (shared_results.c.data_version != version))
                )
            )
            conn.execute(
                _insert_if_absent(conn, shared_results, ["key"]).values(
                    key=key, kind=kind, label=label, data_version=version, created_at=_now(), payload=payload
                )
            )

    def upload_records(self) -> list[dict]:
        """Every upload, newest first, as plain rows (`list_uploads` as a frame)."""
        with self.engine.connect() as conn:
            return [
                dict(r) for r in conn.execute(sa.select(uploads).order_by(uploads.c.id.desc())).mappings()
            ]

    def list_uploads(self) -> pd.DataFrame:
        import pandas as pd

        with self.engine.connect() as conn:
            return pd.read_sql(sa.select(uploads).order_by(uploads.c.id.desc()), conn)

    def upload_spans(self, upload_ids: Iterable[int]) -> pd.DataFrame:
        """The first and last day each of these uploads has figures for (index upload_id;
        columns first, last), read through the upload index: a file of many days has no
        single report date to show."""
        import pandas as pd

        ids = [int(i) for i in upload_ids]
        query = (
            sa.select(
                observations.c.upload_id,
                sa.func.min(observations.c.date).label("first"),
                sa.func.max(observations.c.date).label("last"),
            )
            .where(observations.c.upload_id.in_(ids))
            .group_by(observations.c.upload_id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all() if ids else []
        return pd.DataFrame(
            [(r.upload_id, _as_date(r.first), _as_date(r.last)) for r in rows],
            columns=["upload_id", "first", "last"],
        ).set_index("upload_id")

    # -- reading ----------------------------------------------------------------------
    def units(self) -> pd.DataFrame:
        """Every unit (registry and unofficial) with its tags as a tuple."""
        import pandas as pd

        with self.engine.connect() as conn:
            frame = pd.read_sql(sa.select(units), conn)
            tags = pd.read_sql(sa.select(unit_tags), conn)
        grouped = tags.groupby("unit_key")["tag"].agg(lambda s: tuple(sorted(s)))
        frame["tags"] = frame["key"].map(grouped).apply(lambda t: t if isinstance(t, tuple) else ())
        return frame.set_index("key", drop=False)

    def current_observations(
        self, as_of: date | None = None, unit_keys: Iterable[str] | None = None
    ) -> pd.DataFrame:
        """The value in force for every (unit, date, metric): newest active upload wins.

        `as_of` keeps only data dated on or before that day; `unit_keys` only those units
        (a campaign's scope): both are applied by the database.

        Read from current_values (kept by every upload and undo), in key order, one row per
        (unit, metric) series whose days are text the database writes and pyarrow parses
        (`_current_series`): no Python object is made per value.  The frame is the same as
        the newest-upload-wins reading of every observation gave (bench/equivalence.py).
        """
        import pandas as pd

        keys = None if unit_keys is None else sorted({str(k) for k in unit_keys})
        with self.engine.connect() as conn:
            dialect = conn.dialect.name
            if dialect in ("sqlite", "postgresql"):
                frame = _current_series(conn, as_of, keys)
                if frame is not None:
                    return frame
                # Nothing read, or (never seen) not in key order: the general path sorts.
                chunks = _fetch_chunks(conn, _current_query(as_of, keys))
            else:
                chunks = _fetch_chunks(conn, _current_query(as_of, keys))
        if not chunks:
            frame = pd.DataFrame(columns=["unit_key", "date", "metric", "value", "upload_id"])
            return frame.assign(date=pd.to_datetime(frame["date"]))
        return _newest_per_key(chunks)

    def current_parts(
        self,
        as_of: date | None = None,
        unit_keys: Iterable[str] | None = None,
        dimension: str | None = None,
    ) -> pd.DataFrame:
        """The parts in force (current_breakdowns): unit_key, dimension, metric, date
        (datetime64), value, count, upload_id; sorted by unit, dimension, value,
        metric and date.  `as_of`, `unit_keys` and `dimension` are applied by the database."""
        import pandas as pd

        query = sa.select(
            current_breakdowns.c.unit_key,
            current_breakdowns.c.dimension,
            current_breakdowns.c.metric,
            current_breakdowns.c.date,
            current_breakdowns.c.value,
            current_breakdowns.c["count"],
            current_breakdowns.c.upload_id,
        )
        if as_of is not None:
            query = query.where(current_breakdowns.c.date <= as_of)
        if dimension is not None:
            query = query.where(current_breakdowns.c.dimension == dimension)
        keys = None if unit_keys is None else sorted({str(k) for k in unit_keys})
        with self.engine.connect() as conn:
            if keys is not None and len(keys) > 500:
                rows = [r for r in conn.execute(query).all() if r.unit_key in set(keys)]
            else:
                if keys is not None:
                    query = query.where(current_breakdowns.c.unit_key.in_(keys))
                rows = conn.execute(query).all()
        columns = ["unit_key", "dimension", "metric", "date", "value", "count", "upload_id"]
        frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
        frame["date"] = pd.to_datetime(pd.Series([_as_date(d) for d in frame["date"]], dtype=object))
        frame["count"] = frame["count"].astype("int64")
        return frame.sort_values(
            ["unit_key", "dimension", "value", "metric", "date"], kind="stable"
        ).reset_index(drop=True)

    def part_values(self) -> set[tuple[str, str]]:
        """Every (dimension, value) a stored part has: a value written anew in another file
        takes the spelling already stored."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(breakdowns.c.dimension, breakdowns.c.value).distinct()).all()
        return {(r[0], r[1]) for r in rows}

    def has_parts(self) -> bool:
        """Whether any report gave parts (a breakdown) that are in force."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(current_breakdowns.c.unit_key).limit(1)).first() is not None

    def denominator_rows(self, unit_keys: Iterable[str] | None = None) -> pd.DataFrame:
        """Every denominator of parts from an active upload, with its file: unit_key,
        dimension, value, date, count, kind, detail, upload_id, file_name, uploaded_at."""
        import pandas as pd

        query = sa.select(
            denominators.c.unit_key,
            denominators.c.dimension,
            denominators.c.value,
            denominators.c.date,
            denominators.c["count"],
            denominators.c.kind,
            denominators.c.detail,
            denominators.c.upload_id,
            uploads.c.file_name,
            uploads.c.uploaded_at,
        ).join(uploads, (uploads.c.id == denominators.c.upload_id) & (uploads.c.status == "active"))
        if unit_keys is not None:
            query = query.where(denominators.c.unit_key.in_(sorted({str(k) for k in unit_keys})))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(denominators.c.id)).all()
        columns = [
            "unit_key",
            "dimension",
            "value",
            "date",
            "count",
            "kind",
            "detail",
            "upload_id",
            "file_name",
            "uploaded_at",
        ]
        frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
        frame["date"] = pd.to_datetime(pd.Series([_as_date(d) for d in frame["date"]], dtype=object))
        frame["count"] = frame["count"].astype("int64")
        return frame

    def unit_spans(self) -> pd.DataFrame:
        """For every unit with data: its first and last day with a value in force (index
        unit_key; columns first, last as dates)."""
        import pandas as pd

        query = sa.select(
            current_values.c.unit_key,
            sa.func.min(current_values.c.date).label("first"),
            sa.func.max(current_values.c.date).label("last"),
        ).group_by(current_values.c.unit_key)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return pd.DataFrame(
            [(r.unit_key, _as_date(r.first), _as_date(r.last)) for r in rows],
            columns=["unit_key", "first", "last"],
        ).set_index("unit_key")

    def observation_history(self, unit_key: str) -> pd.DataFrame:
        """Every value ever reported for a unit, with the upload it came from."""
        import pandas as pd

        query = (
            sa.select(
                observations.c.date,
                observations.c.metric,
                observations.c.value,
                uploads.c.id.label("upload_id"),
                uploads.c.file_name,
                uploads.c.uploaded_at,
                uploads.c.status,
            )
            .join(uploads, uploads.c.id == observations.c.upload_id)
            .where(observations.c.unit_key == unit_key)
            .order_by(observations.c.date, observations.c.metric, uploads.c.id)
        )
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)

    # -- campaigns --------------------------------------------------------------------
    def save_campaign(self, definition: dict) -> None:
        """Add or replace the campaign of that name."""
        row = dict(
            name=definition["name"],
            start=_as_date(definition.get("start")),
            deadline=_as_date(definition["deadline"]),
            target=str(definition["target"]),
            scope=json.dumps(definition.get("scope", []), ensure_ascii=False),
            definition=json.dumps(definition, ensure_ascii=False, default=str),
            updated_at=_now(),
        )
        with self.engine.begin() as conn:
            conn.execute(campaigns.delete().where(campaigns.c.name == row["name"]))
            conn.execute(campaigns.insert().values(**row))
            _revision(conn, "campaign")

    def campaign_definitions(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(campaigns.c.definition).order_by(campaigns.c.id))
            return [json.loads(r[0]) for r in rows]

    def delete_campaign(self, name: str) -> bool:
        with self.engine.begin() as conn:
            deleted = conn.execute(campaigns.delete().where(campaigns.c.name == name)).rowcount > 0
            if deleted:
                _revision(conn, "campaign")
            return deleted

    def set_tags(self, unit_key: str, tags: Iterable[str]) -> None:
        with self.engine.begin() as conn:
            conn.execute(unit_tags.delete().where(unit_tags.c.unit_key == unit_key))
            rows = [{"unit_key": unit_key, "tag": t} for t in sorted(set(tags)) if t]
            if rows:
                conn.execute(unit_tags.insert(), rows)
            _revision(conn, "tags")

    # -- remembered column mappings and the audit trail ------------------------------------
    def save_mapping(
        self, signature: str, mapping: dict, header_texts: list[str], who: str | None = None
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(column_mappings.delete().where(column_mappings.c.signature == signature))
            conn.execute(
                column_mappings.insert().values(
                    signature=signature,
                    mapping=json.dumps(mapping),
                    created_at=_now(),
                    created_by=who,
                    headers=json.dumps(header_texts, ensure_ascii=False),
                )
            )

    def find_mapping(self, signature: str) -> dict | None:
        with self.engine.connect() as conn:
            raw = conn.scalar(
                sa.select(column_mappings.c.mapping).where(column_mappings.c.signature == signature)
            )
        return {k: int(v) for k, v in json.loads(raw).items()} if raw else None

    def add_quality_note(
        self,
        unit_key: str,
        check_name: str,
        note: str,
        day: date | None = None,
        author: str | None = None,
        status: str = "open",
    ) -> None:
        from cccd_analytics.store.schema import quality_notes

        with self.engine.begin() as conn:
            conn.execute(
                quality_notes.insert().values(
                    unit_key=unit_key,
                    date=day,
                    check_name=check_name,
                    note=note,
                    status=status,
                    author=author,
                    created_at=_now(),
                )
            )

    def quality_notes(self) -> pd.DataFrame:
        import pandas as pd

        from cccd_analytics.store.schema import quality_notes

        with self.engine.connect() as conn:
            return pd.read_sql(sa.select(quality_notes).order_by(quality_notes.c.id.desc()), conn)

    def audit(self, action: str, username: str | None = None, **detail) -> None:
        with self.engine.begin() as conn:
            _audit(conn, action, username, **detail)

    def audit_entries(
        self,
        limit: int = 1000,
        *,
        action: str | Iterable[str] | None = None,
        username: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> pd.DataFrame:
        """Newest first; optionally only some actions, one user, or a time window [since, until)."""
        import pandas as pd

        query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if action:
            query = query.where(audit_log.c.action.in_([action] if isinstance(action, str) else list(action)))
        if username:
            query = query.where(audit_log.c.username == username)
        if since is not None:
            query = query.where(audit_log.c.at >= since)
        if until is not None:
            query = query.where(audit_log.c.at < until)
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)

    def audit_actions(self) -> list[str]:
        with self.engine.connect() as conn:
            return sorted(conn.scalars(sa.select(audit_log.c.action).distinct()))

    # -- user accounts (rules in cccd_analytics.auth) ----------------------------------------
    def get_user(self, username: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.username == username)).mappings().first()
        return dict(row) if row else None

    def user_records(self) -> list[dict]:
        """Every account without its password hash, by name, as plain rows (`list_users`
        as a frame)."""
        columns = [c for c in users.c if c.name != "password_hash"]
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.select(*columns).order_by(users.c.username)).mappings()]

    def list_users(self) -> pd.DataFrame:
        """Every account, without its password hash."""
        import pandas as pd

        columns = [c for c in users.c if c.name != "password_hash"]
        with self.engine.connect() as conn:
            return pd.read_sql(sa.select(*columns).order_by(users.c.username), conn)

    def count_active_users(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count()).select_from(users).where(users.c.active.is_(True))
            ).scalar_one()

    def add_user(
        self, username: str, role: str, password_hash: str | None, full_name: str | None = None
    ) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    users.insert().values(
                        username=username,
                        role=role,
                        password_hash=password_hash,
                        full_name=full_name,
                        active=True,
                        failed_attempts=0,
                        created_at=_now(),
                    )
                )
        except sa.exc.IntegrityError:
            raise StoreError(f"Đã có tài khoản «{username}».") from None

    def _update_user(self, username: str, **values) -> bool:
        with self.engine.begin() as conn:
            return (
                conn.execute(users.update().where(users.c.username == username).values(**values)).rowcount
                == 1
            )

    def set_password(self, username: str, password_hash: str) -> bool:
        """New hash; clears failed attempts and any lock."""
        return self._update_user(username, password_hash=password_hash, failed_attempts=0, locked_until=None)

    def set_user_active(self, username: str, active: bool) -> bool:
        return self._update_user(username, active=active, failed_attempts=0, locked_until=None)

    def set_user_role(self, username: str, role: str, full_name: str | None = None) -> bool:
        values = {"role": role} | ({"full_name": full_name} if full_name is not None else {})
        return self._update_user(username, **values)

    def record_login_failure(self, username: str) -> int:
        """Count one more wrong password (atomically); return the count in a row."""
        with self.engine.begin() as conn:
            conn.execute(
                users.update()
                .where(users.c.username == username)
                .values(failed_attempts=users.c.failed_attempts + 1)
            )
            return int(
                conn.scalar(sa.select(users.c.failed_attempts).where(users.c.username == username)) or 0
            )

    def lock_user(self, username: str, until: datetime) -> None:
        self._update_user(username, locked_until=until, failed_attempts=0)

    def record_login_success(self, username: str, when: datetime | None = None) -> None:
        self._update_user(username, failed_attempts=0, locked_until=None, last_login=when or _now())


def _fetch_chunks(conn: sa.Connection, query, size: int = 250_000) -> list[tuple]:
    """Run a Core SELECT of (text, date, text, int, int) on the DB-API cursor, `size` rows at
    a time, each chunk turned into (Arrow strings, dates, Arrow strings, int64, int64) at
    once: no Result row objects, no per-row type processing.  The SQL and its parameters
    are SQLAlchemy's for this dialect (bind processors applied), SQLite or PostgreSQL."""
    import numpy as np
    import pyarrow as pa

    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    values = {}
    for name, value in compiled.params.items():
        bind = compiled.binds.get(name)
        if bind is None:  # an IN list's expanded parameter: name_1_1 …
            bind = compiled.binds.get(name.rsplit("_", 1)[0])
        process = bind.type.bind_processor(conn.dialect) if bind is not None else None
        values[name] = process(value) if process else value
    params = tuple(values[name] for name in compiled.positiontup) if compiled.positional else values
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        chunks = []
        while rows := cursor.fetchmany(size):
            keys, dates, metrics, numbers, upload_ids = ([row[i] for row in rows] for i in range(5))
            # pa.array infers: text, or date32 for the date objects of PostgreSQL.
            chunks.append(
                (
                    pa.array(keys),
                    pa.array(dates),
                    pa.array(metrics),
                    np.fromiter(numbers, np.int64, len(rows)),
                    np.fromiter(upload_ids, np.int64, len(rows)),
                )
            )
        return chunks
    finally:
        cursor.close()


def _current_frame(unit_names, unit, metric_names, metric, days, values, upload_ids) -> pd.DataFrame | None:
    """Current values read in key order as current_observations returns them; None when
    they are not in (unit, metric, date) order with each key once — then the caller sorts.

    `unit_names`/`metric_names` are Arrow string arrays and `unit`/`metric` int codes into
    them; `days` an Arrow date32 array; `values`, `upload_ids` int64 arrays."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    def rank(names) -> np.ndarray:
        # A code's place in code point order (how Python and pandas sort text).
        order = np.argsort(np.asarray(names.to_pylist(), dtype=object), kind="stable")
        out = np.empty(len(order), np.int64)
        out[order] = np.arange(len(order))
        return out

    # In order when the (unit, metric) series come in rank order, each once, and the days
    # rise within each series: checked on the series (thousands), then on the days.
    starts = np.flatnonzero(np.r_[True, (unit[1:] != unit[:-1]) | (metric[1:] != metric[:-1])])
    series = rank(unit_names)[unit[starts]] * len(metric_names) + rank(metric_names)[metric[starts]]
    day = days.cast(pa.int32()).to_numpy(zero_copy_only=False)
    rising = np.diff(day) > 0
    rising[starts[1:] - 1] = True  # a new series may start on any day
    if not (bool((np.diff(series) > 0).all()) and bool(rising.all())):
        return None
    return pd.DataFrame(
        {
            "unit_key": unit_names.take(pa.array(unit)).to_pandas(),
            # date32 as datetime64[s]: what pd.to_datetime made of the dates read before.
            "date": days.cast(pa.timestamp("s")).to_numpy(zero_copy_only=False),
            "metric": metric_names.take(pa.array(metric)).to_pandas(),
            "value": values,
            "upload_id": upload_ids,
        }
    )


def _current_series(conn: sa.Connection, as_of: date | None, keys: list[str] | None) -> pd.DataFrame | None:
    """current_values read as one row per (unit, metric) series, its days as CSV lines that
    the database writes (SQLite group_concat, PostgreSQL string_agg) and pyarrow parses, a
    few thousand series at a time: a nation's 3.5 million values are 30,000 rows to Python.
    In key order: SQLite stores the table in it, PostgreSQL is asked for code point order
    (COLLATE "C"), as Python sorts."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv

    postgresql = conn.dialect.name == "postgresql"
    mark = "%s" if postgresql else "?"
    where, params = [], []
    if as_of is not None:
        where.append(f"date <= {mark}")
        params.append(as_of if postgresql else as_of.isoformat())
    if keys is not None:
        where.append("unit_key = ANY(%s)" if postgresql else "unit_key IN (SELECT value FROM json_each(?))")
        params.append(keys if postgresql else json.dumps(keys))
    if postgresql:
        days = "string_agg(to_char(date, 'YYYY-MM-DD') || ',' || value || ',' || upload_id, E'\\n' ORDER BY date)"
        order = 'unit_key COLLATE "C", metric COLLATE "C"'
    else:
        days = "group_concat(date || ',' || value || ',' || upload_id, char(10))"
        order = "unit_key, metric"
    sql = (
        f"SELECT unit_key, metric, count(*), {days} FROM current_values"
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" GROUP BY unit_key, metric ORDER BY {order}"
    )
    read = pcsv.ReadOptions(column_names=["date", "value", "upload_id"], use_threads=True)
    convert = pcsv.ConvertOptions(
        column_types={"date": pa.date32(), "value": pa.int64(), "upload_id": pa.int64()}
    )
    parse = pcsv.ParseOptions(quote_char=False)
    unit_names: dict[str, int] = {}
    metric_names: dict[str, int] = {}
    parts, units, metrics_, counts = [], [], [], []
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, tuple(params))
        while rows := cursor.fetchmany(3000):
            text = "\n".join(r[3] for r in rows).encode()
            parts.append(
                pcsv.read_csv(
                    pa.BufferReader(text), read_options=read, parse_options=parse, convert_options=convert
                )
            )
            units += [unit_names.setdefault(r[0], len(unit_names)) for r in rows]
            metrics_ += [metric_names.setdefault(r[1], len(metric_names)) for r in rows]
            counts += [r[2] for r in rows]
    finally:
        cursor.close()
    if not parts:
        return None
    table = pa.concat_tables(parts).combine_chunks()
    counts = np.asarray(counts, np.int64)
    return _current_frame(
        pa.array(list(unit_names), pa.string()),
        np.repeat(np.asarray(units, np.int32), counts),
        pa.array(list(metric_names), pa.string()),
        np.repeat(np.asarray(metrics_, np.int32), counts),
        table["date"].chunk(0),
        table["value"].to_numpy(),
        table["upload_id"].to_numpy(),
    )


def _current_query(as_of: date | None, keys: list[str] | None):
    query = sa.select(
        current_values.c.unit_key,
        current_values.c.date,
        current_values.c.metric,
        current_values.c.value,
        current_values.c.upload_id,
    )
    if as_of is not None:
        query = query.where(current_values.c.date <= as_of)
    if keys is not None:
        query = query.where(current_values.c.unit_key.in_(keys))
    return query


def _newest_per_key(chunks: list[tuple]) -> pd.DataFrame:
    """The rows of `_fetch_chunks` as current_observations returns them: for each (unit,
    date, metric) the row of the newest upload, sorted by unit, metric and date."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    keys = pa.chunked_array([c[0] for c in chunks]).combine_chunks().dictionary_encode()
    metrics = pa.chunked_array([c[2] for c in chunks]).combine_chunks().dictionary_encode()
    dates = pa.chunked_array([c[1] for c in chunks]).combine_chunks().dictionary_encode()
    date_codes = dates.indices.to_numpy(zero_copy_only=False)
    # Text on SQLite, date objects on PostgreSQL: as dates, which pd.to_datetime makes
    # datetime64[s] (what it made of the date objects read_sql gave before).
    days = pd.to_datetime(
        pd.Series(
            [d if isinstance(d, date) else date.fromisoformat(str(d)) for d in dates.dictionary.to_pylist()],
            dtype=object,
        )
    )
    numbers = np.concatenate([c[3] for c in chunks])
    upload_ids = np.concatenate([c[4] for c in chunks])

    def ranks(encoded) -> tuple[np.ndarray, np.ndarray]:
        # Codes renumbered in the order pandas sorts the texts (code points).
        names = encoded.dictionary.to_pandas()
        order = np.argsort(names.to_numpy(dtype=object), kind="stable")
        rank = np.empty(len(order), np.int64)
        rank[order] = np.arange(len(order))
        return rank[encoded.indices.to_numpy(zero_copy_only=False)], order

    unit, unit_order = ranks(keys)
    metric, metric_order = ranks(metrics)
    day_order = np.argsort(days.to_numpy(), kind="stable")
    day_rank = np.empty(len(day_order), np.int64)
    day_rank[day_order] = np.arange(len(day_order))
    day = day_rank[date_codes]
    composite = (unit * len(metric_order) + metric) * max(len(day_order), 1) + day
    if len(composite) < 2 or bool((composite[1:] > composite[:-1]).all()):
        order = np.arange(len(composite))  # current_values come in key order, once each
    else:
        order = np.lexsort((upload_ids, composite))
    composite = composite[order]
    last = np.r_[composite[1:] != composite[:-1], True]  # the newest upload of each key
    order = order[last]
    unit_names = keys.dictionary.take(pa.array(unit_order))
    metric_names = metrics.dictionary.take(pa.array(metric_order))
    return pd.DataFrame(
        {
            "unit_key": unit_names.take(pa.array(unit[order])).to_pandas(),
            "date": days.to_numpy()[day_order][day[order]],
            "metric": metric_names.take(pa.array(metric[order])).to_pandas(),
            "value": numbers[order],
            "upload_id": upload_ids[order],
        }
    )


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


def _revision(conn: sa.Connection, change: str) -> None:
    """Record, in the caller's transaction, that what the pages show has changed."""
    conn.execute(data_revisions.insert().values(at=_now(), change=change))


def _insert_observations(conn: sa.Connection, upload_id: int, obs, hook) -> None:
    """SQLite (and any other engine): one prepared INSERT, executemany in batches."""

    insert = _bulk_insert(conn, observations, ["upload_id", "unit_key", "date", "metric", "value"])
    dates = _bound(conn, observations.c.date, obs["date"])
    for start in range(0, len(obs), 20_000):
        part = obs.iloc[start : start + 20_000]
        insert(
            zip(
                itertools.repeat(upload_id),
                part["unit_key"].tolist(),
                dates[start : start + 20_000],
                part["metric"].tolist(),
                part["value"].astype("int64").tolist(),
            )
        )
        hook("observations")


def _copy_observations(conn: sa.Connection, upload_id: int, obs, hook) -> None:
    """PostgreSQL: COPY … FROM STDIN in the upload's transaction, the rows written as CSV
    by pyarrow (no Python object per row), 200,000 at a time."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv

    table = pa.table(
        {
            "upload_id": pa.array(np.full(len(obs), upload_id, np.int64)),
            "unit_key": pa.array(obs["unit_key"].astype(object).to_numpy(), pa.string()),
            "date": pa.array(obs["date"]).cast(pa.date32()),
            "metric": pa.array(obs["metric"].astype(object).to_numpy(), pa.string()),
            "value": pa.array(obs["value"].to_numpy(dtype=np.int64)),
        }
    )
    options = pcsv.WriteOptions(include_header=False)
    driver = conn.connection.driver_connection
    with driver.cursor() as cursor:
        with cursor.copy(
            "COPY observations (upload_id, unit_key, date, metric, value) FROM STDIN WITH (FORMAT csv)"
        ) as copy:
            for start in range(0, len(table), 200_000):
                sink = pa.BufferOutputStream()
                pcsv.write_csv(table.slice(start, 200_000), sink, options)
                copy.write(sink.getvalue().to_pybytes())
                hook("observations")


def _put_current(conn: sa.Connection, upload_id: int, obs) -> None:
    """The upload's values become the values in force (current_values), in its transaction.

    One INSERT … SELECT from the rows just written, at the engine's speed; an existing key
    is overwritten unless a newer upload already holds it (PostgreSQL runs two uploads side
    by side, and the later one may commit first).  `obs` is sorted by (unit, metric,
    date): a key given twice in one upload (its last row wins) is rare, and only then is
    the costlier de-duplicating form used."""
    import numpy as np

    if not len(obs):
        return
    keys = [obs[c].to_numpy() for c in ("unit_key", "metric", "date")]
    same = np.ones(len(obs) - 1, bool)
    for column in keys:
        same &= column[1:] == column[:-1]
    once = (
        ""
        if not same.any()
        else (
            " AND id IN (SELECT max(id) FROM observations WHERE upload_id = :upload_id "
            "GROUP BY unit_key, metric, date)"
        )
    )
    conn.execute(
        sa.text(
            "INSERT INTO current_values (unit_key, metric, date, value, upload_id) "
            "SELECT unit_key, metric, date, value, upload_id FROM observations "
            f"WHERE upload_id = :upload_id{once} "
            "ON CONFLICT (unit_key, metric, date) DO UPDATE SET value = excluded.value, "
            "upload_id = excluded.upload_id WHERE current_values.upload_id <= excluded.upload_id"
        ),
        {"upload_id": upload_id},
    )


_PART_GROUP = (
    "{a}.unit_key = {b}.unit_key AND {a}.dimension = {b}.dimension AND {a}.metric = {b}.metric "
    "AND {a}.date = {b}.date"
)


def _write_parts(conn: sa.Connection, upload_id: int, parts) -> None:
    """The upload's parts, and the parts in force: for each (unit, dimension, metric, day)
    it gives, its whole split replaces an older upload's (unless a newer upload already
    holds that day: PostgreSQL runs two uploads side by side)."""
    frame = parts.sort_values(["unit_key", "dimension", "metric", "date", "value"], kind="stable")
    columns = ["upload_id", "unit_key", "date", "dimension", "value", "metric", "count"]
    insert = _bulk_insert(conn, breakdowns, columns)
    dates = _bound(conn, breakdowns.c.date, frame["date"])
    insert(
        zip(
            itertools.repeat(upload_id),
            frame["unit_key"].tolist(),
            dates,
            frame["dimension"].tolist(),
            frame["value"].tolist(),
            frame["metric"].tolist(),
            frame["count"].astype("int64").tolist(),
        )
    )
    conn.execute(
        sa.text(
            "DELETE FROM current_breakdowns WHERE upload_id <= :upload_id AND EXISTS ("
            "SELECT 1 FROM breakdowns w WHERE w.upload_id = :upload_id AND "
            + _PART_GROUP.format(a="w", b="current_breakdowns")
            + ")"
        ),
        {"upload_id": upload_id},
    )
    conn.execute(
        sa.text(
            "INSERT INTO current_breakdowns "
            "(unit_key, dimension, metric, date, value, count, upload_id) "
            "SELECT b.unit_key, b.dimension, b.metric, b.date, b.value, b.count, b.upload_id "
            "FROM breakdowns b WHERE b.upload_id = :upload_id AND NOT EXISTS ("
            "SELECT 1 FROM current_breakdowns c WHERE c.upload_id > :upload_id AND "
            + _PART_GROUP.format(a="c", b="b")
            + ") ON CONFLICT (unit_key, dimension, metric, date, value) DO UPDATE SET "
            "count = excluded.count, upload_id = excluded.upload_id "
            "WHERE current_breakdowns.upload_id <= excluded.upload_id"
        ),
        {"upload_id": upload_id},
    )


def _undo_parts(conn: sa.Connection, upload_id: int) -> None:
    """After an undo (the upload already marked undone): where its split was in force, the
    newest other active upload's split for the same (unit, dimension, metric, day) is."""
    conn.execute(
        sa.text("DELETE FROM current_breakdowns WHERE upload_id = :upload_id"), {"upload_id": upload_id}
    )
    conn.execute(
        sa.text(
            "INSERT INTO current_breakdowns "
            "(unit_key, dimension, metric, date, value, count, upload_id) "
            "SELECT b.unit_key, b.dimension, b.metric, b.date, b.value, b.count, b.upload_id "
            "FROM breakdowns b JOIN uploads u ON u.id = b.upload_id AND u.status = 'active' "
            "WHERE EXISTS (SELECT 1 FROM breakdowns w WHERE w.upload_id = :upload_id AND "
            + _PART_GROUP.format(a="w", b="b")
            + ") AND b.upload_id = (SELECT max(n.upload_id) FROM breakdowns n "
            "JOIN uploads nu ON nu.id = n.upload_id AND nu.status = 'active' WHERE "
            + _PART_GROUP.format(a="n", b="b")
            + ") AND NOT EXISTS (SELECT 1 FROM current_breakdowns c WHERE "
            + _PART_GROUP.format(a="c", b="b")
            + ")"
        ),
        {"upload_id": upload_id},
    )


def _write_denominators(conn: sa.Connection, upload_id: int, frame) -> None:
    rows = [
        dict(
            upload_id=upload_id,
            unit_key=r["unit_key"],
            dimension=r["dimension"],
            value=r["value"],
            date=_as_date(r["date"]),
            count=int(r["count"]),
            kind=r.get("kind") or "population",
            detail=r["detail"] if isinstance(r.get("detail"), str) and r["detail"] else None,
        )
        for r in frame.to_dict("records")
    ]
    conn.execute(denominators.insert(), rows)


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


def _without_password(text: str) -> str:
    """A database URL (or a message quoting one) with its password replaced by ***."""
    return re.sub(r"(?<=://)([^:/@\s]*):[^@\s]*@", r"\1:***@", text)


def _bulk_insert(conn: sa.Connection, table: sa.Table, columns: list[str]):
    """A function that inserts rows (tuples in `columns` order, values already bound)
    with one executemany of the INSERT SQLAlchemy compiles for this dialect — the same
    statement on SQLite and PostgreSQL, without Core's per-row parameter processing."""
    compiled = sa.insert(table).compile(dialect=conn.dialect, column_keys=columns, for_executemany=True)
    sql = str(compiled)
    order = list(compiled.positiontup) if compiled.positional else None

    def insert(rows) -> None:
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
