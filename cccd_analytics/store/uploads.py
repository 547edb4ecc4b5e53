"""Uploads: writing one in a single transaction (observations, new units, the values in
force, parts and denominators, its audit entry), undoing one, and listing them.

Observations are never updated in place but for their marks "in force": a later report for
the same unit and date is a new row, the newest active upload's row that gives a metric is
the one in force for it (the views current_values and current_breakdowns), and undoing an
upload brings the earlier values back.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa

from cccd_analytics.store.errors import StoreError
from cccd_analytics.store.schema import (
    METRIC_BITS,
    METRICS,
    breakdowns,
    denominators,
    observations,
    units,
    upload_part_units,
    upload_units,
    uploads,
)
from cccd_analytics.store.sql import (
    COPY_FROM_ROWS,
    _as_date,
    _audit_as,
    _bound,
    _bulk_insert,
    _bulk_insert_columns,
    _copier,
    _insert_if_absent,
    _now,
    _revision,
    _unit_row,
    literal,
)

if TYPE_CHECKING:
    import pandas as pd


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
    # `observations` as the rows the store writes (`value_rows`), when made ahead of the
    # write: a batch import's checking process makes them while the writer writes the file
    # before (~18 ms of a province's file off the writer's path).
    rows: object = None


class UploadsMixin:
    """Store methods that write, undo and list uploads (mixed into `Store`)."""

    engine: sa.Engine

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
                # Two analysts uploading at once may both bring the same new unit: the
                # second insert must not fail on the first one's row (PostgreSQL runs the
                # two transactions side by side; SQLite serialises them).
                given = list(rows[0]) if rows else []
                copy = _copier(conn, units, given, ["key"]) if len(rows) >= COPY_FROM_ROWS else None
                if copy is not None:
                    copy([tuple(row[name] for name in given) for row in rows])
                elif rows:
                    conn.execute(_insert_if_absent(conn, units, ["key"]), rows)
            hook("units")
            _check_units(conn, new.observations["unit_key"])
            _write_values(conn, upload_id, new.observations, hook, new.rows)
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
                _lock_current(conn)
                _undo_values(conn, upload_id)
                _undo_parts(conn, upload_id)
                _revision(conn, "undo")
            if done and audit is not None:
                _audit_as(conn, "undo", audit, upload_id=upload_id)
            return done

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

    def upload_unit_keys(self, upload_id: int) -> list[str]:
        """The units an upload gave values for (upload_units): what an undo changes."""
        query = sa.select(upload_units.c.unit_key).where(upload_units.c.upload_id == int(upload_id))
        with self.engine.connect() as conn:
            return sorted({str(k) for (k,) in conn.execute(query)})

    def upload_spans(self, upload_ids: Iterable[int]) -> pd.DataFrame:
        """The first and last day each of these uploads has figures for (index upload_id;
        columns first, last), from upload_units (an upload of parts alone: from its parts): a
        file of many days has no single report date to show."""
        import pandas as pd

        ids = [int(i) for i in upload_ids]
        query = (
            sa.select(
                upload_units.c.upload_id,
                sa.func.min(upload_units.c.first_day).label("first"),
                sa.func.max(upload_units.c.last_day).label("last"),
            )
            .where(upload_units.c.upload_id.in_(ids))
            .group_by(upload_units.c.upload_id)
        )
        with self.engine.connect() as conn:
            spans = [(r.upload_id, r.first, r.last) for r in (conn.execute(query).all() if ids else [])]
            # An upload of parts alone (a breakdown report, a list of pupils) has no values,
            # so no upload_units: its days are its parts', found through its units.
            for upload_id in sorted(set(ids) - {s[0] for s in spans}):
                first, last = conn.execute(
                    sa.select(sa.func.min(breakdowns.c.date), sa.func.max(breakdowns.c.date)).where(
                        breakdowns.c.unit_key.in_(
                            sa.select(upload_part_units.c.unit_key).where(
                                upload_part_units.c.upload_id == upload_id
                            )
                        ),
                        breakdowns.c.upload_id == upload_id,
                    )
                ).one()
                if first is not None:
                    spans.append((upload_id, first, last))
        return pd.DataFrame(
            [(u, _as_date(first), _as_date(last)) for u, first, last in spans],
            columns=["upload_id", "first", "last"],
        ).set_index("upload_id")


def _check_units(conn: sa.Connection, keys) -> None:
    """Every unit an upload's values name is in `units` (the new ones were just written):
    what a foreign key would check on every row, checked once per distinct unit."""
    wanted = set(keys.unique().tolist())
    found: set = set()
    listed = sorted(wanted)
    for start in range(0, len(listed), 5000):
        part = listed[start : start + 5000]
        found.update(conn.scalars(sa.select(units.c.key).where(units.c.key.in_(part))))
    missing = wanted - found
    if missing:
        # Never reached through the importer, which writes a file's new units first.
        raise StoreError(
            f"Lỗi nội bộ: {len(missing)} đơn vị chưa có trong danh mục (ví dụ «{sorted(missing)[0]}»); "
            "không ghi gì."
        )


def _write_values(conn: sa.Connection, upload_id: int, frame, hook, rows: _Rows | None = None) -> None:
    """The upload's values, each written once, as rows of observations (a row per unit and
    day, the metrics it gives as columns) marked in force, and its units and days
    (upload_units); then, only where a unit of the upload already had values in force, the
    older rows of the same unit and day lose the marks of the metrics this one gives.
    `rows`: `value_rows(frame)`, when made ahead.

    On a first load (no value of its units in force: a nation's 63 files) that is one
    bulk write and nothing else.  Under `_lock_current`, no other write can bring values of
    these units meanwhile, so what `_any_in_force` found stays true until the commit."""
    import numpy as np

    if not len(frame):
        return
    rows = rows if rows is not None else value_rows(frame)
    unit, day = rows.unit_code, rows.day
    _lock_current(conn)
    replaces = _any_in_force(conn, rows.unit_names)
    # The rows go to the engine in bulk: PostgreSQL by COPY, SQLite by one prepared INSERT
    # and executemany (Core's per-row parameter processing cost ~7 µs a row).
    if conn.dialect.name == "postgresql":
        _copy_observations(conn, upload_id, rows, hook)
        _analyze_if_grown(conn)
    else:
        _insert_observations(conn, upload_id, rows, hook)
    starts = np.flatnonzero(np.r_[True, unit[1:] != unit[:-1]])
    insert = _bulk_insert(conn, upload_units, ["upload_id", "unit_key", "first_day", "last_day"])
    bound = _bound(conn, upload_units.c.first_day, rows.days)
    insert(
        zip(
            itertools.repeat(upload_id),
            rows.unit[starts].tolist(),
            [bound[i] for i in np.minimum.reduceat(day, starts).tolist()],
            [bound[i] for i in np.maximum.reduceat(day, starts).tolist()],
        )
    )
    if replaces:
        _replace_in_force(conn, upload_id)


@dataclass(frozen=True)
class _Rows:
    """An upload's rows in key order, each (unit, day) once: the unit's text, the day as a
    code into `days` (the distinct dates, ascending), and for each metric of METRICS (a
    column each) its value and whether the upload gave it."""

    unit: object  # numpy arrays
    day: object
    days: pd.Series
    values: object  # (rows, metrics) int64
    given: object  # (rows, metrics) bool
    unit_code: object  # each row's unit as a code into unit_names
    unit_names: list  # the distinct units, in order
    copy_text: object = None  # `copy_text(self)`, when made ahead (PostgreSQL)

    def marks(self):
        """Each row's `in_force`: the bits of the metrics it gives."""
        import numpy as np

        return self.given.astype(np.int64) @ np.array([METRIC_BITS[m] for m in METRICS], np.int64)


def value_rows(frame, for_copy: bool = False) -> _Rows:
    """An upload's values (unit_key, date, metric, value) as the rows of observations the
    store writes, in key order: no store needed, so a batch's checking process makes them
    ahead of the write; `for_copy`: with their COPY text too (PostgreSQL)."""
    import numpy as np
    import pandas as pd

    # In key order, so that the rows go into the table's B-tree a unit at a time, sorted on
    # integer codes (an importer's unit column comes as a categorical of sorted text, whose
    # factorize is a pass over its codes); a key given twice in one upload keeps its last row
    # (the importer refuses such files or keeps one row: the store does not rely on it).
    unit, unit_names = pd.factorize(frame["unit_key"], sort=True)
    metric, metric_names = pd.factorize(frame["metric"], sort=False)
    unknown = sorted(set(map(str, metric_names)) - set(METRICS))
    if unknown:
        raise StoreError(
            f"Lỗi nội bộ: chỉ tiêu không có trong kho số liệu: {', '.join(unknown)}; không ghi gì."
        )
    column = np.array([METRICS.index(str(m)) for m in metric_names], np.int64)[metric]
    day, days = pd.factorize(frame["date"], sort=True)
    # Days as dates (an importer gives datetime64, whose factorize is a pass over integers).
    days = [d.date() if isinstance(d, pd.Timestamp) else d for d in days]
    pair = unit.astype(np.int64) * len(days) + day
    order = np.lexsort((column, pair))
    # The last row of each (unit, day, metric): the value that counts.
    last = np.r_[(pair[order][1:] != pair[order][:-1]) | (column[order][1:] != column[order][:-1]), True]
    order = order[last]
    pairs, row = np.unique(pair[order], return_inverse=True)
    values = np.zeros((len(pairs), len(METRICS)), np.int64)
    given = np.zeros((len(pairs), len(METRICS)), bool)
    values[row, column[order]] = frame["value"].to_numpy(dtype=np.int64)[order]
    given[row, column[order]] = True
    unit, day = np.divmod(pairs, len(days))
    rows = _Rows(
        unit=np.asarray(unit_names, dtype=object)[unit],
        day=day,
        days=pd.Series(days, dtype=object),
        values=values,
        given=given,
        unit_code=unit,
        unit_names=[str(name) for name in unit_names],
    )
    return dataclasses.replace(rows, copy_text=copy_text(rows)) if for_copy else rows


# The rows of observations of the units upload :upload_id gave values for (one seek per unit
# in the table's key order), and a row's (unit, date) in a correlated subquery.
_OF_ITS_UNITS = "unit_key IN (SELECT unit_key FROM upload_units WHERE upload_id = :upload_id)"
_SAME_KEY = "{a}.unit_key = observations.unit_key AND {a}.date = observations.date"


def _replace_in_force(conn: sa.Connection, upload_id: int) -> None:
    """The upload's values are the values in force of their keys: an older upload's row of
    the same unit and day loses the marks of the metrics this one gives.  Unless a newer
    upload already holds a metric (PostgreSQL runs two uploads side by side, and the later
    one may commit first): then this upload's row loses that mark.  The marks of one unit
    and day's rows never overlap, so their sum is their bitwise or."""
    params = {"upload_id": upload_id}
    conn.execute(
        sa.text(
            "UPDATE observations SET in_force = in_force & ~(SELECT coalesce(sum(n.in_force), 0) "
            f"FROM observations n WHERE n.upload_id > :upload_id AND {_SAME_KEY.format(a='n')}) "
            f"WHERE {_OF_ITS_UNITS} AND upload_id = :upload_id "
            "AND EXISTS (SELECT 1 FROM observations n WHERE n.upload_id > :upload_id "
            f"AND (n.in_force & observations.in_force) <> 0 AND {_SAME_KEY.format(a='n')})"
        ),
        params,
    )
    conn.execute(
        sa.text(
            "UPDATE observations SET in_force = in_force & ~(SELECT w.in_force FROM observations w "
            f"WHERE w.upload_id = :upload_id AND {_SAME_KEY.format(a='w')}) "
            f"WHERE {_OF_ITS_UNITS} AND in_force <> 0 AND upload_id < :upload_id "
            "AND EXISTS (SELECT 1 FROM observations w WHERE w.upload_id = :upload_id "
            f"AND (w.in_force & observations.in_force) <> 0 AND {_SAME_KEY.format(a='w')})"
        ),
        params,
    )


def _undo_values(conn: sa.Connection, upload_id: int) -> None:
    """After an undo (the upload already marked undone): its rows lose their marks, and for
    each metric where one was in force, the row of the newest other active upload that gave
    that metric for the same unit and day gets its mark."""
    params = {"upload_id": upload_id}
    conn.execute(
        sa.text(
            f"UPDATE observations SET in_force = 0 WHERE {_OF_ITS_UNITS} "
            "AND upload_id = :upload_id AND in_force <> 0"
        ),
        params,
    )
    for metric, bit in METRIC_BITS.items():
        conn.execute(
            sa.text(
                f"UPDATE observations SET in_force = in_force | {bit} WHERE {_OF_ITS_UNITS} "
                f"AND {metric} IS NOT NULL AND (in_force & {bit}) = 0 AND upload_id <> :upload_id "
                f"AND EXISTS (SELECT 1 FROM observations w WHERE w.upload_id = :upload_id "
                f"AND w.{metric} IS NOT NULL AND {_SAME_KEY.format(a='w')}) "
                "AND upload_id = (SELECT max(n.upload_id) FROM observations n "
                "JOIN uploads nu ON nu.id = n.upload_id AND nu.status = 'active' "
                f"WHERE n.{metric} IS NOT NULL AND {_SAME_KEY.format(a='n')}) "
                f"AND NOT EXISTS (SELECT 1 FROM observations c WHERE (c.in_force & {bit}) <> 0 "
                f"AND {_SAME_KEY.format(a='c')})"
            ),
            params,
        )


def _insert_observations(conn: sa.Connection, upload_id: int, rows: _Rows, hook) -> None:
    """SQLite (and any other engine): one prepared INSERT of 200 rows at a time
    (`_bulk_insert_columns`); the upload id is written into the statement, so that only the
    values of each row are bound (each bound value cost ~0.2 µs a row).  A metric the
    upload does not give is NULL."""
    import numpy as np

    fixed = {"upload_id": sa.literal_column(str(int(upload_id)))}
    dates = np.asarray(_bound(conn, observations.c.date, rows.days), dtype=object)[rows.day]
    names, columns = ["unit_key", "date"], [rows.unit, dates]
    for i, metric in enumerate(METRICS):
        given = rows.given[:, i]
        if not given.any():
            continue  # a metric no row gives: NULL, its column's default, not bound per row
        column = rows.values[:, i].astype(object)
        column[~given] = None
        names.append(metric)
        columns.append(column)
    marks = rows.marks()
    if len(marks) and (marks == marks[0]).all():
        # Every row gives the same metrics (an export's rows do): one mark, in the statement.
        fixed["in_force"] = sa.literal_column(str(int(marks[0])))
    else:
        names.append("in_force")
        columns.append(marks)
    insert = _bulk_insert_columns(conn, observations, names, fixed)
    for start in range(0, len(rows.unit), 20_000):
        end = start + 20_000
        insert([c[start:end] for c in columns])
        hook("observations")


# A piece of COPY text: 200,000 rows (a national load's files are far smaller: one piece).
_COPY_PIECE = 200_000


def copy_text(rows: _Rows) -> list[tuple[bytes, int]]:
    """PostgreSQL: the rows as COPY's CSV lines without the upload's id, in pieces of
    (text, rows), written by pyarrow (no Python object per row).  The id, the last column of
    the COPY, is added to each line when it is known (`_copy_observations`), so the text can
    be made ahead of the write, where the upload's row is not yet inserted."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    table = pa.table(
        {
            "unit_key": pa.array(rows.unit, pa.string()),
            "date": pa.array(rows.days, pa.date32()).take(pa.array(rows.day)),
            **{m: pa.array(rows.values[:, i], mask=~rows.given[:, i]) for i, m in enumerate(METRICS)},
            "in_force": pa.array(rows.marks()),
        }
    )
    options = pcsv.WriteOptions(include_header=False)
    pieces = []
    for start in range(0, len(table), _COPY_PIECE):
        sink = pa.BufferOutputStream()
        piece = table.slice(start, _COPY_PIECE)
        pcsv.write_csv(piece, sink, options)
        pieces.append((sink.getvalue().to_pybytes(), len(piece)))
    return pieces


def _copy_observations(conn: sa.Connection, upload_id: int, rows: _Rows, hook) -> None:
    """PostgreSQL: COPY … FROM STDIN in the upload's transaction, from `copy_text` (made
    ahead, or here), each line ending with the upload's id."""
    pieces = rows.copy_text if rows.copy_text is not None else copy_text(rows)
    end = b",%d\n" % int(upload_id)
    driver = conn.connection.driver_connection
    with driver.cursor() as cursor:
        with cursor.copy(
            f"COPY observations (unit_key, date, {', '.join(METRICS)}, in_force, upload_id) "
            "FROM STDIN WITH (FORMAT csv)"
        ) as copy:
            for text, count in pieces:
                if text.count(b"\n") != count:
                    # A line break inside a value (no unit key has one): never a line cut.
                    raise StoreError("Lỗi nội bộ: mã đơn vị có ký tự xuống dòng; không ghi gì.")
                copy.write(text.replace(b"\n", end))
                hook("observations")


def _analyze_if_grown(conn: sa.Connection) -> None:
    """PostgreSQL: the planner's statistics of observations renewed, in the upload's
    transaction, once the table holds more than twice the rows they describe.

    Without them a read of some units' values (`unit_key = ANY(…)`, the import's check of
    the next file) is planned as a scan of the whole table: a first load writes far faster
    than autovacuum (a minute apart) analyses, and a national load's 63 checks scanned up
    to 3.5 million rows each for nothing (9 s of the server's time).  Renewed at each
    doubling, a load of n rows analyses about log2(n / 50,000) times (a sample of 30,000
    rows each)."""
    row = conn.execute(
        sa.text(
            "SELECT c.reltuples, s.n_mod_since_analyze FROM pg_class c "
            "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid "
            "WHERE c.oid = to_regclass('observations')"
        )
    ).first()
    if row is None:
        return
    described, changed = max(float(row[0] or 0), 0.0), float(row[1] or 0)
    if changed >= 50_000 and changed > described:
        conn.execute(sa.text("ANALYZE observations"))


def _lock_current(conn: sa.Connection) -> None:
    """PostgreSQL: one upload or undo at a time changes which values are in force, from here
    to its commit (a transaction-level advisory lock: readers are not held, and it never
    waits on the rows being written).  What such a write finds in force then stays true
    until it has written.  SQLite lets one transaction write at a time anyway."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _IN_FORCE_LOCK})


# The advisory lock key of `_lock_current` ("CCCV"); the migrations hold "CCCD".
_IN_FORCE_LOCK = 0x43434356


def _any_in_force(conn: sa.Connection, unit_keys: list[str]) -> bool:
    """Whether any value of these units may be in force: whether any upload gave values for
    them (upload_units, a few rows per upload).  Never false where a value is in force; true
    where only an undone upload gave some, which costs the replacing statements and no
    more.  A read of observations here was planned as a scan of the table on PostgreSQL
    (LIMIT 1, nothing found), 0.2-0.5 s a file in a national load."""
    return _any_key_in(conn, upload_units.c.unit_key, unit_keys)


def _any_key_in(conn: sa.Connection, column: sa.Column, keys: list[str]) -> bool:
    """Whether `column` holds any of `keys`: an index seek per key, in batches that stay
    under the engines' limits on bound parameters."""
    for start in range(0, len(keys), 5000):
        query = sa.select(column).where(column.in_(keys[start : start + 5000])).limit(1)
        if conn.execute(query).first() is not None:
            return True
    return False


_PART_GROUP = (
    "{a}.unit_key = {b}.unit_key AND {a}.dimension = {b}.dimension AND {a}.metric = {b}.metric "
    "AND {a}.date = {b}.date"
)


def _write_parts(conn: sa.Connection, upload_id: int, parts) -> None:
    """The upload's parts, each written once, as rows of breakdowns marked in force; then,
    only where a part of its units was stored before, the marks are set right: for each
    (unit, dimension, metric, day) it gives, its whole split replaces an older upload's
    (unless a newer upload already holds that day: PostgreSQL runs two uploads side by side).

    On a first load (no part of its units stored: a 1M-row export into a new store) that is
    one bulk write and nothing else, as for the values (`_write_values`)."""
    import numpy as np
    import pandas as pd

    key = ["unit_key", "dimension", "metric", "date", "value"]
    # In key order, sorted on integer codes (pandas' sort of five columns, four of them text,
    # cost more than the insert); a key given twice keeps its last row.  Each column bound
    # once per distinct value.
    codes, bound = [], {}
    for column in key:
        code, uniques = pd.factorize(parts[column], sort=True)
        codes.append(code)
        bound[column] = np.asarray(_bound(conn, breakdowns.c[column], pd.Series(uniques)), dtype=object)
    order = np.lexsort(codes[::-1])
    repeated = np.ones(max(len(order) - 1, 0), bool)
    for code in codes:
        ordered = code[order]
        repeated &= ordered[1:] == ordered[:-1]
    order = order[np.r_[~repeated, True]]
    fixed = {"upload_id": sa.literal_column(str(int(upload_id))), "in_force": sa.true()}
    # A key column with one value for every part (an export's dimension and metric) is
    # written into the statement, not bound for each row.
    one = {column: bound[column][0] for column in ("dimension", "metric") if len(bound[column]) == 1}
    fixed |= {column: literal(conn, breakdowns.c[column], value) for column, value in one.items()}
    written = [column for column in key if column not in one]
    # 200 rows to a statement where the driver allows (SQLite), as the values.
    insert = _bulk_insert_columns(conn, breakdowns, [*written, "count"], fixed)
    # What is found stays true until the commit: every upload and undo takes this lock before
    # it writes the parts in force (and the upload has already, for its values).
    _lock_current(conn)
    replaces = _parts_stored(conn, [str(k) for k in bound["unit_key"]])
    insert(
        [
            *(bound[column][code[order]] for column, code in zip(key, codes) if column not in one),
            parts["count"].to_numpy(np.int64)[order],
        ]
    )
    units_of = _bulk_insert(conn, upload_part_units, ["unit_key"], {"upload_id": fixed["upload_id"]})
    units_of((unit,) for unit in bound["unit_key"].tolist())
    if replaces:
        _replace_parts_in_force(conn, upload_id)


def _parts_stored(conn: sa.Connection, unit_keys: list[str]) -> bool:
    """Whether breakdowns holds any part of these units, in force or not (one index seek per
    unit): never false where a part is in force."""
    return _any_key_in(conn, breakdowns.c.unit_key, unit_keys)


def _replace_parts_in_force(conn: sa.Connection, upload_id: int) -> None:
    """The upload's splits are in force: an older upload's split of the same (unit,
    dimension, metric, day) loses the mark.  Unless a newer upload already holds that day:
    then this upload's split loses it.  (Each statement changes rows of other uploads than
    those its subquery reads.)"""
    params = {"upload_id": upload_id}
    conn.execute(
        sa.text(
            f"UPDATE breakdowns SET in_force = false WHERE {_ITS_PART_UNITS} AND upload_id = :upload_id "
            "AND EXISTS ("
            "SELECT 1 FROM breakdowns n WHERE n.in_force AND n.upload_id > :upload_id AND "
            + _PART_GROUP.format(a="n", b="breakdowns")
            + ")"
        ),
        params,
    )
    conn.execute(
        sa.text(
            "UPDATE breakdowns SET in_force = false WHERE in_force AND upload_id < :upload_id "
            f"AND {_ITS_PART_UNITS} AND EXISTS (SELECT 1 FROM breakdowns w "
            "WHERE w.upload_id = :upload_id AND w.in_force AND "
            + _PART_GROUP.format(a="w", b="breakdowns")
            + ")"
        ),
        params,
    )


# The rows of breakdowns of the units upload :upload_id gave parts for (one seek per unit).
_ITS_PART_UNITS = "unit_key IN (SELECT unit_key FROM upload_part_units WHERE upload_id = :upload_id)"


def _undo_parts(conn: sa.Connection, upload_id: int) -> None:
    """After an undo (the upload already marked undone): its rows lose the mark, and where
    its split was in force, the newest other active upload's split for the same (unit,
    dimension, metric, day) gets it."""
    params = {"upload_id": upload_id}
    conn.execute(
        sa.text(
            f"UPDATE breakdowns SET in_force = false WHERE {_ITS_PART_UNITS} AND upload_id = :upload_id AND in_force"
        ),
        params,
    )
    # The rows marked all belong to one upload, the newest active one of their day: the last
    # condition reads only other uploads' rows, which this statement does not change.
    conn.execute(
        sa.text(
            f"UPDATE breakdowns SET in_force = true WHERE NOT in_force AND upload_id <> :upload_id "
            f"AND {_ITS_PART_UNITS} AND EXISTS (SELECT 1 FROM breakdowns w WHERE w.upload_id = :upload_id AND "
            + _PART_GROUP.format(a="w", b="breakdowns")
            + ") AND upload_id = (SELECT max(n.upload_id) FROM breakdowns n "
            "JOIN uploads nu ON nu.id = n.upload_id AND nu.status = 'active' WHERE "
            + _PART_GROUP.format(a="n", b="breakdowns")
            + ") AND NOT EXISTS (SELECT 1 FROM breakdowns c WHERE c.in_force "
            "AND c.upload_id <> breakdowns.upload_id AND " + _PART_GROUP.format(a="c", b="breakdowns") + ")"
        ),
        params,
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
