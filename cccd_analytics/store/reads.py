"""Reading stored data: units, the values and parts in force (scoped by day and units in
the database), denominators, spans and a unit's history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa

from cccd_analytics.store.current import (
    _current_query,
    _current_series,
    _fetch_chunks,
    _figure_values,
    _newest_per_key,
)
from cccd_analytics.store.schema import (
    METRICS,
    breakdowns,
    current_breakdowns,
    denominators,
    observations,
    unit_tags,
    units,
    uploads,
)
from cccd_analytics.store.sql import _as_date

if TYPE_CHECKING:
    import pandas as pd


class ReadsMixin:
    """Store methods that read stored data (mixed into `Store`)."""

    engine: sa.Engine

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

        Read from the values marked in force (kept by every upload and undo), in key order,
        one row per unit whose series' days are text the database writes and pyarrow parses
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

    def figure_observations(
        self, as_of: date | None = None, unit_keys: Iterable[str] | None = None
    ) -> pd.DataFrame:
        """What a campaign's figures (metrics.snapshot) take of the values in force, read
        in proportion: every value of collected and returned, and of each other (unit,
        metric) series only its first and last day — when it begins and ends, and the
        eligible population in force.  Columns unit_key and metric (categorical), date,
        value; in no particular order; no upload_id.  `as_of` and `unit_keys` as for
        current_observations.

        The snapshot computed from it is the one computed from current_observations
        (tests/test_shared.py): it reads the other metrics' days only for where the data
        begins and ends and their last values.  A nation's eligible figures, reported
        every day, were a third of what current_observations reads."""
        keys = None if unit_keys is None else sorted({str(k) for k in unit_keys})
        if self.engine.dialect.name in ("sqlite", "postgresql"):
            return _figure_values(self.engine, as_of, keys, self.data_version)
        return self.current_observations(as_of, keys).drop(columns="upload_id")

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
                wanted = set(keys)  # once: in the comprehension it was built again for every row
                rows = [r for r in conn.execute(query).all() if r.unit_key in wanted]
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

        query = (
            sa.select(
                observations.c.unit_key,
                sa.func.min(observations.c.date).label("first"),
                sa.func.max(observations.c.date).label("last"),
            )
            .where(observations.c.in_force != 0)
            .group_by(observations.c.unit_key)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return pd.DataFrame(
            [(r.unit_key, _as_date(r.first), _as_date(r.last)) for r in rows],
            columns=["unit_key", "first", "last"],
        ).set_index("unit_key")

    def observation_history(self, unit_key: str) -> pd.DataFrame:
        """Every value ever reported for a unit, with the upload it came from: date, metric,
        value, upload_id, file_name, uploaded_at, status; by date, metric and upload."""
        import pandas as pd

        query = (
            sa.select(
                observations.c.date,
                *(observations.c[m] for m in METRICS),
                uploads.c.id.label("upload_id"),
                uploads.c.file_name,
                uploads.c.uploaded_at,
                uploads.c.status,
            )
            .join(uploads, uploads.c.id == observations.c.upload_id)
            # The unit's rows are together in the table's key order (unit, date, upload).
            .where(observations.c.unit_key == unit_key)
        )
        with self.engine.connect() as conn:
            wide = pd.read_sql(query, conn)
        rest = ["upload_id", "file_name", "uploaded_at", "status"]
        frame = wide.melt(id_vars=["date", *rest], value_vars=list(METRICS), var_name="metric")
        frame = frame.dropna(subset=["value"]).astype({"value": "int64"})
        frame = frame.sort_values(["date", "metric", "upload_id"], kind="stable", ignore_index=True)
        return frame[["date", "metric", "value", *rest]]
