"""What users define beside the data: campaigns, unit tags, remembered column mappings
and notes on data-quality findings."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa

from cccd_analytics.store.schema import campaigns, column_mappings, unit_tags
from cccd_analytics.store.sql import _as_date, _now, _revision

if TYPE_CHECKING:
    import pandas as pd


class DefinitionsMixin:
    """Store methods for campaigns, tags, column mappings and quality notes (mixed into `Store`)."""

    engine: sa.Engine

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
