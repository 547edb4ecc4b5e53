"""What caches are keyed on: the data version, and the results kept for it that every
process shares (cccd_analytics.shared)."""

from __future__ import annotations

import sqlalchemy as sa

from cccd_analytics.store.schema import campaigns, data_revisions, shared_results, uploads
from cccd_analytics.store.sql import _insert_if_absent, _now


class CacheMixin:
    """Store methods for the data version and the shared results (mixed into `Store`)."""

    engine: sa.Engine

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
