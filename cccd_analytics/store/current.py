"""The values in force read fast: current_values (and, on other engines, any Core SELECT of
them) turned into the frame `Store.current_observations` returns through Arrow and numpy,
with no Python object made per value.  A nation's 3.5 million values are read on every
page run, which the general pandas.read_sql path made the slowest step of the dashboard.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa

from cccd_analytics.store.schema import METRIC_BITS, METRICS, current_values

# An aggregate's filter to a metric's values in force (observations: a row per unit and day,
# a bit of `in_force` per metric).
_IN_FORCE = {metric: f"FILTER (WHERE (in_force & {bit}) <> 0)" for metric, bit in METRIC_BITS.items()}

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd


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


def _scope(postgresql: bool, as_of: date | None, keys: list[str] | None) -> tuple[list[str], list]:
    """The conditions (and their parameters) that limit current_values to the values in
    force on `as_of` of the units `keys` (None: no limit)."""
    where, params = [], []
    if as_of is not None:
        where.append("date <= %s" if postgresql else "date <= ?")
        params.append(as_of if postgresql else as_of.isoformat())
    if keys is not None:
        where.append("unit_key = ANY(%s)" if postgresql else "unit_key IN (SELECT value FROM json_each(?))")
        params.append(keys if postgresql else json.dumps(keys))
    return where, params


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
    where, params = _scope(postgresql, as_of, keys)
    metrics = sorted(METRICS)  # a unit's series in the order Python sorts their names

    def series(metric: str) -> str:
        if postgresql:
            text = f"to_char(date, 'YYYY-MM-DD') || ',' || {metric} || ',' || upload_id"
            return (
                f"count(*) {_IN_FORCE[metric]}, string_agg({text}, E'\\n' ORDER BY date) {_IN_FORCE[metric]}"
            )
        text = f"date || ',' || {metric} || ',' || upload_id"
        return f"count(*) {_IN_FORCE[metric]}, group_concat({text}, char(10)) {_IN_FORCE[metric]}"

    order = 'unit_key COLLATE "C"' if postgresql else "unit_key"
    sql = (
        f"SELECT unit_key, {', '.join(series(m) for m in metrics)} FROM observations WHERE "
        + " AND ".join(["in_force <> 0", *where])
        + f" GROUP BY unit_key ORDER BY {order}"
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
            texts = []
            for unit, metric, count, (text,) in _each_series(rows, metrics, unit_names, metric_names):
                units.append(unit)
                metrics_.append(metric)
                counts.append(count)
                texts.append(text)
            if not texts:
                continue
            parts.append(
                pcsv.read_csv(
                    pa.BufferReader("\n".join(texts).encode()),
                    read_options=read,
                    parse_options=parse,
                    convert_options=convert,
                )
            )
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


def _each_series(rows, metrics, unit_names: dict[str, int], metric_names: dict[str, int]):
    """The (unit, metric) series of rows read a unit at a time — the unit's key, then for
    each of `metrics` the count of its values in force and that many aggregates of them —
    as (unit code, metric code, count, aggregates) for each series with a value; the codes
    number the names in order of first appearance (`unit_names`, `metric_names` grow)."""
    width = (len(rows[0]) - 1) // len(metrics) if rows else 0
    for r in rows:
        unit = unit_names.setdefault(r[0], len(unit_names))
        for i, metric in enumerate(metrics):
            at = 1 + width * i
            if r[at]:
                yield unit, metric_names.setdefault(metric, len(metric_names)), r[at], r[at + 1 : at + width]


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


# -- what the figures read ---------------------------------------------------------------

#: The metrics whose every day the figures need (the daily series, paces and forecasts);
#: of any other metric they take only when its series begins and ends and its last value
#: (the eligible population in force).
FULL_SERIES = ("collected", "returned")


#: A scope of more units than this is read in two halves at once, each on its own
#: connection, so that the database's part of the read, most of it, runs on two cores.
#: PostgreSQL: two backends (a nation's read 3,2-4,3 s → 2,5-2,9 s at load 7, the client's
#: CPU the same).  SQLite: two readers of the file in this process, since the read takes
#: one list of days per unit (a nation's, first read of a fresh process: 0,63-0,83 s →
#: 0,43-0,48 s, for ~0,1 s more CPU; with three lists per metric the readers' shared
#: allocator lock ate the gain).  A smaller scope is read in one go.
SPLIT_UNITS = 2_000
SPLIT_ENGINES = ("postgresql", "sqlite")


def _figure_values(
    engine: sa.Engine,
    as_of: date | None,
    keys: list[str] | None,
    version: Callable[[], tuple],
    full: tuple[str, ...] = FULL_SERIES,
) -> pd.DataFrame:
    """Store.figure_observations: every value in force of the `full` metrics and the first
    and last day of every other (unit, metric) series; unit_key and metric categorical.

    A large scope is read in two halves at once (SPLIT_ENGINES), each a range of units: `keys` cut in
    two, or every unit below and from the middle key of the units table; the halves are
    put together (their units differ; their metric codes are matched by name).  When
    `version()` (the data version) changed during the halves' reads, a change committed
    between them: the scope is read again in one statement, which sees one state of the
    data, as the read in one go always does."""
    import numpy as np

    halves = _halves(engine, keys)
    if halves is None:
        with engine.connect() as conn:
            parts = [_figure_part(conn, as_of, keys, None, full)]
    else:
        from concurrent.futures import ThreadPoolExecutor

        def read(half):
            with engine.connect() as conn:
                return _figure_part(conn, as_of, *half, full)

        before = version()
        with ThreadPoolExecutor(1, thread_name_prefix="cccd-read") as pool:
            other = pool.submit(read, halves[1])
            parts = [read(halves[0]), other.result()]
        if version() != before:
            with engine.connect() as conn:
                parts = [_figure_part(conn, as_of, keys, None, full)]
    unit_names: list[str] = []
    metric_names: dict[str, int] = {}
    unit_codes, metric_codes = [], []
    for units, metrics_, unit, metric, _, _ in parts:
        unit_codes.append(unit + len(unit_names))
        unit_names += units
        to = np.array([metric_names.setdefault(m, len(metric_names)) for m in metrics_] or [0], np.int32)
        metric_codes.append(to[metric])
    import pandas as pd

    one = len(parts) == 1
    return pd.DataFrame(
        {
            "unit_key": pd.Categorical.from_codes(
                unit_codes[0] if one else np.concatenate(unit_codes),
                categories=pd.Index(unit_names, dtype=object),
            ),
            # datetime64[s], as current_observations gives the dates: days times 86.400 (numpy's
            # cast between units checks each value for overflow, ~0,05 s for a nation's)
            "date": _seconds(parts[0][4] if one else np.concatenate([p[4] for p in parts])),
            "metric": pd.Categorical.from_codes(
                metric_codes[0] if one else np.concatenate(metric_codes),
                categories=pd.Index(list(metric_names), dtype=object),
            ),
            "value": parts[0][5] if one else np.concatenate([p[5] for p in parts]),
        },
        copy=False,
    )


def _seconds(days):
    """datetime64[D] (no NaT: every stored value has its day) as datetime64[s], in place:
    `days` is the read's own array, and a fresh process pays for each page of new memory
    the first time it is written (~0,04 s for a nation's 19 MB on this machine)."""
    import numpy as np

    out = days.view(np.int64)
    out *= np.int64(86_400)
    return out.view("datetime64[s]")


def _halves(engine: sa.Engine, keys: list[str] | None) -> list[tuple] | None:
    """The two halves of the scope, as (keys, bound) for `_figure_part`; None to read it in
    one go: a small scope, an engine not in SPLIT_ENGINES, or a pool whose connections
    are not each their own (an in-memory SQLite database is one connection's)."""
    if engine.dialect.name not in SPLIT_ENGINES or not isinstance(engine.pool, sa.pool.QueuePool):
        return None
    if keys is not None:
        middle = len(keys) // 2
        return [(keys[:middle], None), (keys[middle:], None)] if len(keys) > SPLIT_UNITS else None
    with engine.connect() as conn:
        count, middle = conn.exec_driver_sql(
            "SELECT (SELECT count(*) FROM units), (SELECT key FROM units ORDER BY key LIMIT 1 "
            "OFFSET (SELECT count(*) FROM units) / 2)"
        ).one()
    if count <= SPLIT_UNITS or middle is None:
        return None
    # Below and from the middle key, compared by the database (its own order of text).
    return [(None, ("<", middle)), (None, (">=", middle))]


def _figure_part(
    conn: sa.Connection,
    as_of: date | None,
    keys: list[str] | None,
    bound: tuple[str, str] | None,
    full: tuple[str, ...],
) -> tuple:
    """The values of `_figure_values` of the units `keys` (None: every unit) on the side
    `bound` (an operator and a key; None: either side) of a key: (unit names, metric
    names, each value's unit and metric code in them, its day as days since 1970, value).

    One pass over the rows in force: each unit comes as one row, with its rows' days, their
    marks in force and each metric's values as lists of text that numpy parses (SQLite: JSON
    arrays, json_group_array; PostgreSQL: string_agg of the days since 1970), every list in
    the same order of rows; a metric's values are those of the rows marked in force for it.
    The other metrics' series are cut to their first and last day here.

    Performance: one list of days per unit, not one per metric, and no FILTER per metric:
    a nation's read took ~0,66 s of SQLite as three lists per metric, ~0,35 s so; and
    SQLite builds a JSON array of a column about twice as fast as it concatenates
    "date,value" text (group_concat)."""
    import numpy as np

    postgresql = conn.dialect.name == "postgresql"
    where, params = _scope(postgresql, as_of, keys)
    if bound is not None:
        where.append(f"unit_key {bound[0]} " + ("%s" if postgresql else "?"))
        params.append(bound[1])
    # A metric's value is NULL in a row that does not give it (its mark is off then): 0 in
    # the list, so that every list parses as integers; the marks leave it out.
    if postgresql:
        lists = [
            "string_agg((date - DATE '1970-01-01')::text, ',')",
            "string_agg(in_force::text, ',')",
            *(f"string_agg(coalesce({m}, 0)::text, ',')" for m in METRICS),
        ]
    else:  # as bytes: no text made of them in Python (they are parsed as bytes)
        lists = [
            "CAST(json_group_array(date) AS BLOB)",
            "CAST(json_group_array(in_force) AS BLOB)",
            *(f"CAST(json_group_array(coalesce({m}, 0)) AS BLOB)" for m in METRICS),
        ]
    sql = (
        f"SELECT unit_key, count(*), {', '.join(lists)} FROM observations WHERE "
        + " AND ".join(["in_force <> 0", *where])
        + " GROUP BY unit_key"
    )
    inside = slice(None) if postgresql else slice(1, -1)  # a JSON array's brackets off
    unit_names: list[str] = []
    counts: list[int] = []
    columns: list[list[bytes]] = [[] for _ in lists]
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, tuple(params))
        while rows := cursor.fetchmany(3000):
            for row in rows:
                unit_names.append(row[0])
                counts.append(row[1])
                for column, text in zip(columns, row[2:]):
                    column.append(text[inside])
    finally:
        cursor.close()
    n = sum(counts)
    comma = "," if postgresql else b","
    if postgresql:
        day = _integers(comma.join(columns[0]), n)
    else:
        day = _iso_days(comma.join([*columns[0], b""]), n).view(np.int64)
    marks = _integers(comma.join(columns[1]), n)
    per_unit = np.asarray(counts, np.int64)
    unit_of_row = np.repeat(np.arange(len(unit_names), dtype=np.int32), per_unit)
    # Each metric's rows taken (a metric no row gives is not parsed at all: a store without
    # daily counts has lists of zeros): every row marked in force for it of the `full`
    # metrics, and of the others only each unit's first and last day (a day is once in a
    # series; the database need not give a unit's rows in day order).
    found = int(np.bitwise_or.reduce(marks)) if n else 0
    given = [m for m in METRICS if found & METRIC_BITS[m]]
    taken: dict[str, np.ndarray | None] = {}  # the rows, None for all of them
    held: dict[str, np.ndarray] = {}  # how many rows each unit has
    for m in given:
        mine = (marks & METRIC_BITS[m]) != 0
        rows = None if mine.all() else np.flatnonzero(mine)
        if m not in full:
            rows = np.arange(n) if rows is None else rows
            units_, days_ = unit_of_row[rows], day[rows]
            begins = np.flatnonzero(np.r_[True, units_[1:] != units_[:-1]])
            size = np.diff(np.r_[begins, len(rows)])
            ends = (days_ == np.repeat(np.minimum.reduceat(days_, begins), size)) | (
                days_ == np.repeat(np.maximum.reduceat(days_, begins), size)
            )
            rows = rows[ends]
        taken[m] = rows
        held[m] = per_unit if rows is None else np.bincount(unit_of_row[rows], minlength=len(unit_names))
    # The codes number the metrics in order of first appearance, unit by unit (a unit's in
    # the order of METRICS), as the series come.
    first_unit = {m: int(np.flatnonzero(held[m])[0]) for m in given}
    metric_names = sorted(given, key=lambda m: (first_unit[m], METRICS.index(m)))
    # The series (unit, metric) in that order, each value put straight in its place (no sort).
    table = np.stack([held[m] for m in given], axis=1) if given else np.zeros((len(unit_names), 0), np.int64)
    flat = table.ravel()
    offsets = (np.cumsum(flat) - flat).reshape(table.shape)  # where each (unit, metric) series begins
    day_out = np.empty(int(flat.sum()), np.int64)
    value_out = np.empty(len(day_out), np.int64)
    for slot, m in enumerate(given):
        rows = taken[m]
        units_ = unit_of_row if rows is None else unit_of_row[rows]
        # A row's place: where its unit's series begins, plus its rank among the metric's
        # rows, less the metric's rows of the units before it.
        at = (offsets[:, slot] - (np.cumsum(held[m]) - held[m]))[units_]
        at += np.arange(len(units_))
        values = _integers(comma.join(columns[2 + METRICS.index(m)]), n)
        day_out[at] = day if rows is None else day[rows]
        value_out[at] = values if rows is None else values[rows]
    del columns
    present = flat > 0
    series_unit, series_slot = np.divmod(np.flatnonzero(present), max(len(given), 1))
    code_of = np.asarray([metric_names.index(m) for m in given] or [0], np.int32)
    size = flat[present]
    return (
        unit_names,
        metric_names,
        np.repeat(series_unit.astype(np.int32), size),
        np.repeat(code_of[series_slot], size),
        day_out.view("datetime64[D]"),
        value_out,
    )


def _iso_days(records: bytes, n: int):
    """`n` dates, each written '"YYYY-MM-DD",' (a JSON array's inside, a comma after each),
    as datetime64[D]: the records of 13 bytes viewed as a table of bytes, the digits of
    each date taken column by column and turned into days since 1970 by arithmetic (a
    nation's 3.5 million in a few hundredths of a second; Arrow's cut and cast took ten
    times that, and numpy's picking of several columns at once, a copy per cell, more).
    Any other form (a time after the day, a day no calendar has) is read one by one, as
    `_as_day` reads a date."""
    import numpy as np

    if n == 0:
        return np.zeros(0, "datetime64[D]")
    if len(records) == 13 * n:
        cells = np.frombuffer(records, np.uint8).reshape(n, 13)
        days = _civil_days(cells)
        if days is not None:
            return days.astype(np.int64).view("datetime64[D]")
    return np.array([_as_day(d) for d in json.loads(b"[" + records[:-1] + b"]")], dtype="datetime64[D]")


#: A date's record '"YYYY-MM-DD",' byte by byte: the least each byte may be, and how much
#: more (digits 0-9, a month's tens 0-1, a day's tens 0-3; the quotes, dashes and comma exact).
_RECORD_LEAST = b'"0000-00-00",'
_RECORD_SPAN = bytes(m - le for m, le in zip(b'"9999-19-39",', _RECORD_LEAST, strict=True))
#: Which (month, day) exist, as month * 32 + day (29 February: in leap years only).
_MONTH_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _civil_days(cells):
    """Days since 1970 of the rows '"YYYY-MM-DD",' of a (n, 13) byte table, or None when
    any row is not such a date of the Gregorian calendar."""
    import numpy as np

    # Every byte within its range (a byte below its least wraps round to above its span),
    # a block at a time: the blocks' scratch stays in the processor's cache.
    least, span = np.frombuffer(_RECORD_LEAST, np.uint8), np.frombuffer(_RECORD_SPAN, np.uint8)
    block = 1 << 15
    above = np.empty((min(block, len(cells)), 13), np.uint8)
    within = np.empty(above.shape, bool)
    for start in range(0, len(cells), block):
        part = cells[start : start + block]
        np.subtract(part, least, out=above[: len(part)])
        if not np.less_equal(above[: len(part)], span, out=within[: len(part)]).all():
            return None

    def number(*columns):  # the number these columns' digits write
        out = cells[:, columns[0]].astype(np.int32)
        for c in columns[1:]:
            out *= 10
            out += cells[:, c]
        out -= 48 * int("1" * len(columns))  # each digit's '0'
        return out

    year, month, day = number(1, 2, 3, 4), number(6, 7), number(9, 10)
    exists = np.zeros(20 * 32, bool)  # months up to 19 and days up to 39 pass the bytes' ranges
    for m, last in enumerate(_MONTH_DAYS):
        exists[m * 32 + 1 : m * 32 + last + 1] = m > 0
    if not exists[month * 32 + day].all():
        return None
    leap_day = np.flatnonzero((month == 2) & (day == 29))
    if len(leap_day):
        y = year[leap_day]
        if not ((y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))).all():
            return None
    # Days from the civil date (H. Hinnant's algorithm: years counted from March).
    year -= month <= 2
    era = year // 400
    year -= era * 400  # the year of the era
    month += 9
    month %= 12
    month *= 153
    month += 2
    month //= 5  # days before the month, from March
    day += month - 1 - 719_468 + year // 4 - year // 100
    day += era * 146_097 + year * 365
    return day


def _integers(text: str | bytes, n: int):
    """`n` integers separated by commas (a JSON array's inside) as int64."""
    import warnings

    import numpy as np

    if n == 0:
        return np.zeros(0, np.int64)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # numpy warns, not fails, on text it cannot read
            out = np.fromstring(text, dtype=np.int64, sep=",")
        if len(out) == n:
            return out
    except (ValueError, DeprecationWarning):
        pass
    return np.array(
        json.loads(b"[" + text + b"]" if isinstance(text, bytes) else f"[{text}]"), dtype=np.int64
    )


def _as_day(value) -> date:
    """A date as SQLite (ISO text) or PostgreSQL (a date) gives it."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
