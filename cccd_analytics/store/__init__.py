"""The store: one SQLAlchemy engine, SQLite by default, any URL for a shared server.

Everything a user uploads is written in one transaction (`Store.write_upload`), so
a refused or interrupted import leaves the store as it was.  Observations are never
updated in place: a later report for the same unit, date and metric is a new row, the
newest active upload wins, and undoing an upload brings the earlier values back.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from cccd_analytics import registry
from cccd_analytics.store import schema
from cccd_analytics.store.schema import (audit_log, campaigns, column_mappings, observations,
                                         unit_tags, units, uploads)

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE = PROJECT_DIR / "data" / "cccd.sqlite"
METRICS = ("collected", "returned", "eligible", "collected_day")


class StoreError(Exception):
    """A store problem with a message fit for users (Vietnamese)."""


def default_url() -> str:
    return os.environ.get("CCCD_DB_URL") or f"sqlite:///{DEFAULT_SQLITE}"


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


@dataclass(frozen=True)
class NewUpload:
    """One import, ready to be written: the upload row and its observations."""

    file_name: str
    sha256: str
    rows_read: int
    observations: pd.DataFrame  # unit_key, date, metric, value
    new_units: pd.DataFrame     # unofficial units first seen in this file (UNIT columns)
    report_date: date | None = None
    uploaded_by: str | None = None
    warnings: tuple[dict, ...] = ()
    kind: str = "canonical"
    layout: str | None = None
    encoding: str | None = None


class Store:
    """Access to one database.  Open with `Store.open(url)`; migrations run on open."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    @classmethod
    def open(cls, url: str | None = None) -> "Store":
        url = url or default_url()
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            engine = sa.create_engine(url, future=True)
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise StoreError(f"Địa chỉ cơ sở dữ liệu không hợp lệ: {url!r} ({exc})") from None
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        store = cls(engine)
        try:
            store.migrate()
        except sa.exc.OperationalError as exc:
            raise StoreError(f"Không mở được cơ sở dữ liệu {engine.url!r}: {exc.orig}") from None
        return store

    # -- schema -----------------------------------------------------------------------
    def migrate(self) -> int:
        """Apply pending migrations; seed the official registry.  Returns the version."""
        with self.engine.begin() as conn:
            schema.schema_version.create(conn, checkfirst=True)
            done = set(conn.scalars(sa.select(schema.schema_version.c.version)))
            for number, step in enumerate(schema.MIGRATIONS, start=1):
                if number not in done:
                    step(conn)
                    conn.execute(schema.schema_version.insert().values(
                        version=number, applied_at=_now()))
            self._seed_registry(conn)
            return len(schema.MIGRATIONS)

    def _seed_registry(self, conn: sa.Connection) -> None:
        reg = registry.load_registry()
        have = conn.execute(sa.select(sa.func.count()).select_from(units).where(
            units.c.official.is_(True))).scalar_one()
        if have >= len(reg):
            return
        existing = set(conn.scalars(sa.select(units.c.key)))
        fresh = reg[~reg.key.isin(existing)]
        rows = [_unit_row(r) for r in fresh.to_dict("records")]
        if rows:
            conn.execute(units.insert(), rows)
            tags = [{"unit_key": r["key"], "tag": t} for r in fresh.to_dict("records")
                    for t in r["tags"]]
            if tags:
                conn.execute(unit_tags.insert(), tags)

    # -- uploads ----------------------------------------------------------------------
    def find_upload_by_sha(self, sha256: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(uploads).where(
                uploads.c.sha256 == sha256, uploads.c.status == "active")).mappings().first()
            return dict(row) if row else None

    def write_upload(self, new: NewUpload, hook=None) -> int:
        """Write one upload and its observations in one transaction; return its id.

        `hook(stage)` is called between the steps (tests use it to kill the process
        mid-import and prove the store is left unchanged).
        """
        hook = hook or (lambda stage: None)
        with self.engine.begin() as conn:
            upload_id = conn.execute(uploads.insert().values(
                file_name=new.file_name, sha256=new.sha256, report_date=new.report_date,
                uploaded_by=new.uploaded_by, uploaded_at=_now(), rows_read=new.rows_read,
                warnings=json.dumps(list(new.warnings), ensure_ascii=False, default=str),
                kind=new.kind, layout=new.layout, encoding=new.encoding, status="active",
            )).inserted_primary_key[0]
            hook("upload")
            if len(new.new_units):
                existing = set(conn.scalars(sa.select(units.c.key).where(
                    units.c.key.in_(list(new.new_units["key"])))))
                rows = [_unit_row(r) for r in new.new_units.to_dict("records")
                        if r["key"] not in existing]
                if rows:
                    conn.execute(units.insert(), rows)
            hook("units")
            obs = new.observations
            records = [
                {"upload_id": upload_id, "unit_key": k, "date": d, "metric": m, "value": int(v)}
                for k, d, m, v in zip(obs["unit_key"], obs["date"], obs["metric"], obs["value"])
            ]
            for start in range(0, len(records), 20_000):
                conn.execute(observations.insert(), records[start:start + 20_000])
                hook("observations")
            return int(upload_id)

    def undo_upload(self, upload_id: int, who: str | None = None) -> bool:
        """Withdraw a whole upload: its values stop counting; earlier ones come back."""
        with self.engine.begin() as conn:
            result = conn.execute(uploads.update().where(
                uploads.c.id == upload_id, uploads.c.status == "active").values(
                status="undone", undone_at=_now(), undone_by=who))
            return result.rowcount == 1

    def list_uploads(self) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return pd.read_sql(sa.select(uploads).order_by(uploads.c.id.desc()), conn)

    # -- reading ----------------------------------------------------------------------
    def units(self) -> pd.DataFrame:
        """Every unit (registry and unofficial) with its tags as a tuple."""
        with self.engine.connect() as conn:
            frame = pd.read_sql(sa.select(units), conn)
            tags = pd.read_sql(sa.select(unit_tags), conn)
        grouped = tags.groupby("unit_key")["tag"].agg(lambda s: tuple(sorted(s)))
        frame["tags"] = frame["key"].map(grouped).apply(lambda t: t if isinstance(t, tuple) else ())
        return frame.set_index("key", drop=False)

    def current_observations(self, as_of: date | None = None,
                             unit_keys: Iterable[str] | None = None) -> pd.DataFrame:
        """The value in force for every (unit, date, metric): newest active upload wins.

        `as_of` keeps only data dated on or before that day.
        """
        query = (sa.select(observations.c.unit_key, observations.c.date, observations.c.metric,
                           observations.c.value, observations.c.upload_id)
                 .join(uploads, uploads.c.id == observations.c.upload_id)
                 .where(uploads.c.status == "active"))
        if as_of is not None:
            query = query.where(observations.c.date <= as_of)
        if unit_keys is not None:
            query = query.where(observations.c.unit_key.in_(list(unit_keys)))
        with self.engine.connect() as conn:
            frame = pd.read_sql(query, conn)
        if frame.empty:
            return frame.assign(date=pd.to_datetime(frame["date"]))
        frame["date"] = pd.to_datetime(frame["date"])
        frame = frame.sort_values("upload_id").drop_duplicates(
            ["unit_key", "date", "metric"], keep="last")
        return frame.sort_values(["unit_key", "metric", "date"]).reset_index(drop=True)

    def observation_history(self, unit_key: str) -> pd.DataFrame:
        """Every value ever reported for a unit, with the upload it came from."""
        query = (sa.select(observations.c.date, observations.c.metric, observations.c.value,
                           uploads.c.id.label("upload_id"), uploads.c.file_name,
                           uploads.c.uploaded_at, uploads.c.status)
                 .join(uploads, uploads.c.id == observations.c.upload_id)
                 .where(observations.c.unit_key == unit_key)
                 .order_by(observations.c.date, observations.c.metric, uploads.c.id))
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)

    # -- campaigns --------------------------------------------------------------------
    def save_campaign(self, definition: dict) -> None:
        """Add or replace the campaign of that name."""
        row = dict(name=definition["name"], start=_as_date(definition.get("start")),
                   deadline=_as_date(definition["deadline"]), target=str(definition["target"]),
                   scope=json.dumps(definition.get("scope", []), ensure_ascii=False),
                   definition=json.dumps(definition, ensure_ascii=False, default=str),
                   updated_at=_now())
        with self.engine.begin() as conn:
            conn.execute(campaigns.delete().where(campaigns.c.name == row["name"]))
            conn.execute(campaigns.insert().values(**row))

    def campaign_definitions(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(campaigns.c.definition).order_by(campaigns.c.id))
            return [json.loads(r[0]) for r in rows]

    def delete_campaign(self, name: str) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(campaigns.delete().where(campaigns.c.name == name)).rowcount > 0

    def set_tags(self, unit_key: str, tags: Iterable[str]) -> None:
        with self.engine.begin() as conn:
            conn.execute(unit_tags.delete().where(unit_tags.c.unit_key == unit_key))
            rows = [{"unit_key": unit_key, "tag": t} for t in sorted(set(tags)) if t]
            if rows:
                conn.execute(unit_tags.insert(), rows)


    # -- remembered column mappings and the audit trail ------------------------------------
    def save_mapping(self, signature: str, mapping: dict, header_texts: list[str],
                     who: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(column_mappings.delete().where(column_mappings.c.signature == signature))
            conn.execute(column_mappings.insert().values(
                signature=signature, mapping=json.dumps(mapping), created_at=_now(), created_by=who,
                headers=json.dumps(header_texts, ensure_ascii=False)))

    def find_mapping(self, signature: str) -> dict | None:
        with self.engine.connect() as conn:
            raw = conn.scalar(sa.select(column_mappings.c.mapping).where(
                column_mappings.c.signature == signature))
        return {k: int(v) for k, v in json.loads(raw).items()} if raw else None

    def audit(self, action: str, username: str | None = None, **detail) -> None:
        with self.engine.begin() as conn:
            conn.execute(audit_log.insert().values(
                at=_now(), username=username, action=action,
                detail=json.dumps(detail, ensure_ascii=False, default=str)))

    def audit_entries(self, limit: int = 1000) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return pd.read_sql(sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit), conn)


def _as_date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _unit_row(record: dict) -> dict:
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
