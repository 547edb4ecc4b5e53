"""The checks on a file's observations: one value per unit, date and metric; cumulative
figures that never fall (within the file and against the store); returned and eligible
compared with collected."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from cccd_analytics.ingest.report import ImportReport, Problem
from cccd_analytics.store import Store
from cccd_analytics.text import date_vn, thousands

CUMULATIVE = ("collected", "returned")


def _at(row) -> dict:
    return dict(
        sheet=row.sheet or None, row=int(row.row), column=row.column or None, header=row.header or None
    )


def _text(column: pd.Series):
    """A text column as it is (Arrow strings, or a categorical's codes, are not made
    Python objects and back)."""
    return (
        column.array
        if column.dtype == "str" or isinstance(column.dtype, pd.CategoricalDtype)
        else column.to_numpy()
    )


def _sorted_codes(column: pd.Series) -> np.ndarray:
    """Integer codes in the order of the text (as `pd.factorize(sort=True)` gives them): a
    categorical's own codes when its categories are sorted (`observations._long`'s are)."""
    if isinstance(column.dtype, pd.CategoricalDtype) and column.cat.categories.is_monotonic_increasing:
        return column.cat.codes.to_numpy()
    return pd.factorize(column, sort=True)[0]


def check_dates(obs: pd.DataFrame, report: ImportReport, today: date | None = None) -> None:
    """Figures dated after today (with a day of grace) are refused: a mistyped year.  Said
    once per day, at its first row, and where the file's one date came from when it has one."""
    today = today or date.today()
    # The file's distinct days first: a national load's files have 120 of them for 56,000 rows.
    limit = pd.Timestamp(today + timedelta(days=1))
    if not len(obs) or pd.to_datetime(pd.Series(pd.unique(obs["date"]))).max() <= limit:
        return
    days = pd.to_datetime(obs["date"]).dt.date
    late = days > today + timedelta(days=1)
    source = f" (theo {report.date_source})" if report.date_source and days.nunique() == 1 else ""
    for day in sorted(set(days[late])):
        first = obs[days == day].iloc[0]
        report.problems.append(
            Problem.of(
                "future_date",
                f"ngày số liệu {date_vn(day)}{source} ở sau hôm nay ({date_vn(today)}); có thể gõ nhầm năm. "
                "Hãy sửa ngày rồi tải lên lại.",
                **_at(first),
            )
        )


def check_export_below_stored(obs: pd.DataFrame, current: pd.DataFrame | None, report: ImportReport) -> None:
    """A per-record export's cumulative figures below what the store holds for the same unit
    and day (a report of that day): the export does not count every application since the
    campaign began.  Refused, said at the first such unit's record of that day."""
    if current is None or current.empty or obs.empty:
        return
    stored = current.loc[current["metric"] == "collected", ["unit_key", "date", "value"]]
    mine = obs[obs["metric"] == "collected"]
    both = mine.assign(date=pd.to_datetime(mine["date"])).merge(
        stored.assign(date=pd.to_datetime(stored["date"])), on=["unit_key", "date"], suffixes=("", "_stored")
    )
    lower = both[both["value"] < both["value_stored"]].sort_values(["date", "row"])
    if lower.empty:
        return
    first = lower.iloc[0]
    others = lower["unit_key"].nunique() - 1
    report.problems.append(
        Problem.of(
            "records_below_stored",
            f"«{first['name']}» ngày {date_vn(first['date'])}: tệp đếm được {thousands(first['value'])} hồ sơ "
            f"từ ngày đầu của tệp, thấp hơn lũy kế {thousands(first['value_stored'])} đã có cho ngày đó"
            + (f" (và {others} đơn vị khác)" if others else "")
            + "; tệp không gồm mọi hồ sơ từ đầu chiến dịch. Nếu số đã có là sai, hãy hủy lần nhập đó rồi "
            "tải lại tệp này.",
            **_at(first),
        )
    )


def _namesake_hint(key: str, when) -> str:
    """What to do when the two rows are likely two communes of one name in other districts
    (a province's list without its district column)."""
    from cccd_analytics import registry

    reg = registry.load_registry()
    if (
        key not in reg.index
        or reg.at[key, "level"] != "commune"
        or reg.at[key, "province_key"] not in reg.index
    ):
        return ""
    province = str(reg.at[reg.at[key, "province_key"], "name"])
    mine = registry.label_of(key)
    others = [
        label
        for label in registry.namesakes(province, str(reg.at[key, "name"]), pd.Timestamp(when).date())
        if label != mine
    ]
    if not others:
        return ""
    return (
        f" Tỉnh có {len(others) + 1} xã cùng tên: {mine}, {', '.join(others)}; nếu hai dòng là hai xã "
        "khác nhau, hãy thêm cột huyện (hoặc dòng tên huyện phía trên các xã của huyện) rồi tải lên lại."
    )


def check_duplicates(obs: pd.DataFrame, report: ImportReport) -> pd.DataFrame:
    dup = obs.duplicated(["unit_key", "date", "metric"], keep=False)
    if not dup.any():
        return obs
    for (_, when, _metric), group in obs[dup].groupby(["unit_key", "date", "metric"], observed=True):
        first, *others = list(group.itertuples())
        for other in others:
            # Rows of two sheets (two sheets of one day: a copy edited) are named with their
            # sheet: "(dòng 8) và (dòng 8)" told nothing.
            where = _row_of(first, other)
            if _two_points(first, other):
                report.problems.append(
                    Problem.of(
                        "conflicting_values",
                        f"«{first.name}» ({where}) và «{other.name}» (dòng {other.row}) là hai điểm thu nhận "
                        f"của cùng một đơn vị, {_unit_label(first.unit_key)}, ngày {date_vn(when)}"
                        f" ({thousands(first.value)} và {thousands(other.value)}). Mỗi đơn vị mỗi ngày chỉ "
                        "có một dòng, nên số của các điểm không được cộng tự động: hãy ghi tổng của đơn vị "
                        "vào một dòng (có thể giữ các điểm ở các dòng bắt đầu bằng «+» ngay dưới dòng "
                        "đó) rồi tải lên lại.",
                        **_at(other),
                    )
                )
            elif other.value != first.value:
                report.problems.append(
                    Problem.of(
                        "conflicting_values",
                        f"«{first.name}» ngày {date_vn(when)} có hai giá trị khác nhau: {thousands(first.value)} "
                        f"({where}) và {thousands(other.value)} (dòng {other.row})."
                        + _namesake_hint(str(first.unit_key), when)
                        + _tables_hint(report, first, other),
                        **_at(other),
                    )
                )
            else:
                report.problems.append(
                    Problem.of(
                        "duplicate_row",
                        f"«{first.name}» ngày {date_vn(when)} lặp lại {where}; chỉ tính một lần.",
                        **_at(other),
                    )
                )
    return obs.drop_duplicates(["unit_key", "date", "metric"], keep="first")


def _two_points(first, other) -> bool:
    """Whether two rows of one unit and day are two of its collection points or mobile teams
    ("Điểm thu nhận số 1 (xã Diễn Hoàng)", "… số 2 …"), not one row written twice: their
    figures are two parts of the unit's, so even equal they are no repeat to count once,
    and they are refused like two rows that differ — adding them is a guess the file does
    not make (a point's row may repeat the unit's population, or hold its own)."""
    from cccd_analytics import registry

    names = (str(first.name), str(other.name))
    return names[0] != names[1] and any(registry.collection_point_commune(n) is not None for n in names)


def _unit_label(key) -> str:
    from cccd_analytics import registry

    return (
        registry.label_of(str(key)) if str(key) in registry.load_registry().index else "đơn vị ngoài danh mục"
    )


def _row_of(first, other) -> str:
    """ "dòng 8", or "dòng 8 của trang «13.4»" when the other row is on another sheet."""
    sheet = getattr(first, "sheet", None) or None
    if sheet and sheet != (getattr(other, "sheet", None) or None):
        return f"dòng {first.row} của trang «{sheet}»"
    return f"dòng {first.row}"


def _tables_hint(report: ImportReport, first, other) -> str:
    """Two rows of one commune and day in two tables of one sheet under one date, or in two
    parts of one table under headings ("THÁNG 3/2021", "THÁNG 4/2021"): each may be another
    day or month whose date line is missing; said, with what to write."""
    sheet = getattr(first, "sheet", None) or None
    low, high = sorted((first.row, other.row))
    tables = [row for at, row in report.same_day_tables if at == sheet and low < row < high]
    if tables:
        return (
            f" Hai dòng ở hai bảng khác nhau của cùng trang (bảng sau bắt đầu ở dòng {tables[0]}) nhưng cùng "
            "một ngày số liệu: nếu mỗi bảng là một ngày hay một tháng, hãy ghi dòng «Số liệu tính đến ngày …» "
            "ngay trên mỗi bảng."
        )
    sections = [(row, text) for at, row, text in report.section_rows if at == sheet and low < row < high]
    if sections:
        row, text = sections[-1]
        return (
            f" Giữa hai dòng có dòng «{text}» (dòng {row}), nhưng cả bảng chỉ có một ngày số liệu: nếu mỗi "
            "phần là một ngày hay một tháng, hãy để mỗi phần ở một trang hoặc một bảng riêng, có dòng «Số "
            "liệu tính đến ngày …» của nó."
        )
    return ""


def check_cumulative(
    obs: pd.DataFrame, report: ImportReport, store: Store | None, current: pd.DataFrame | None = None
) -> None:
    """A cumulative figure may not fall below the same unit's previous report.
    `current`: the store's current observations of these units, when already read.

    Long on purpose: the file's and the store's values sorted once and compared in one
    vectorised pass; the messages for the few that fall follow, one for each side a value came
    from.
    """
    # The file's cumulative values, by their rows in `obs`: only the columns compared are
    # taken, and a message looks up its own row (`cum_row`).
    rows = np.flatnonzero(obs["metric"].isin(CUMULATIVE).to_numpy())
    if not len(rows):
        return

    def cum_row(i: int) -> pd.Series:
        return obs.iloc[int(rows[i])]

    keys = ["unit_key", "date", "metric"]
    # The values to compare, with `at`: the file's row in `cum` (-1 for the store's).
    parts = [
        pd.DataFrame(
            {
                "unit_key": _text(obs["unit_key"].iloc[rows]),
                "date": obs["date"].to_numpy()[rows],
                "metric": _text(obs["metric"].iloc[rows]),
                "value": obs["value"].to_numpy()[rows],
                "at": np.arange(len(rows)),
            }
        )
    ]
    if store is not None:
        if current is None:
            current = store.current_observations(unit_keys=obs["unit_key"].iloc[rows].unique())
        stored = current.loc[current["metric"].isin(CUMULATIVE), [*keys, "value", "upload_id"]]
        if not stored.empty:
            # The file replaces what the store has for the same unit, date and metric.
            stored = stored.merge(obs[keys].iloc[rows], how="left", indicator=True, on=keys)
            parts.append(stored[stored["_merge"] == "left_only"].drop(columns="_merge").assign(at=-1))
    both = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    # Sorted by unit, metric and date (each once: the file's duplicates are gone and the
    # store's rows the file replaces too), through integer codes: sorting the text itself
    # was slow.  Performance: the previous report of the same unit and metric is
    # the row before in this order; compared with numpy, and rows looked up only for the
    # values that fall.
    unit_code = _sorted_codes(both["unit_key"])
    metric_code = _sorted_codes(both["metric"])
    order = np.lexsort((pd.DatetimeIndex(both["date"]).asi8, metric_code, unit_code))
    unit_code, metric_code = unit_code[order], metric_code[order]
    same = np.r_[False, (unit_code[1:] == unit_code[:-1]) & (metric_code[1:] == metric_code[:-1])]
    value = both["value"].to_numpy(dtype=float)[order]
    at = both["at"].to_numpy()[order]
    from_file = at >= 0
    before_value = np.where(same, np.r_[np.nan, value[:-1]], np.nan)
    before_file = same & np.r_[False, from_file[:-1]]
    with np.errstate(invalid="ignore"):
        fall = (value < before_value) & (from_file | before_file)
    # A value from a file dropped above this one (a dry run through Pending) is named as
    # such: it is not in the database yet.
    named: dict[int, str] = {}

    def stored_as(row) -> str | None:
        # The upload that holds it, by number and file, so the user can undo it if it is the
        # wrong one; a file checked above in the same batch is named as such.  Each upload
        # looked up once (a file of many falls names the same one again and again).
        if store is None or pd.isna(row.upload_id):
            return None
        upload_id = int(row.upload_id)
        if upload_id not in named:
            named[upload_id] = _upload_names(store, [upload_id])
        return named[upload_id]

    for i in np.flatnonzero(fall).tolist():
        row, prev = both.iloc[order[i]], both.iloc[order[i - 1]]
        label = "lũy kế thu nhận" if row.metric == "collected" else "lũy kế trả thẻ"
        if at[i] >= 0:
            here = cum_row(at[i])
            source = (
                f"dòng {int(cum_row(at[i - 1]).row)}"
                if at[i - 1] >= 0
                else f"đã có, {stored_as(prev)}"
                if stored_as(prev)
                else "đã có trong cơ sở dữ liệu"
            )
            where = f"báo cáo ngày {date_vn(prev.date)} ({source})"
            # A stored figure above today's is a typo or an over-count the unit now corrects:
            # the way to correct it without withdrawing a whole district's upload is said.
            fix = (
                f" Nếu số ngày {date_vn(prev.date)} đã có là sai, hãy ghi số đúng của ngày đó vào cùng tệp "
                "(số của tệp thay cho số đã có) rồi tải lên lại."
                if at[i - 1] < 0
                else ""
            )
            report.problems.append(
                Problem.of(
                    "falling_cumulative",
                    f"«{here['name']}» ngày {date_vn(row.date)}: {label} {thousands(int(row.value))} thấp hơn "
                    f"{thousands(int(prev.value))} của {where}.{fix}",
                    **_at(here),
                )
            )
        else:
            original = cum_row(at[i - 1])  # the file's value the store's later one is below
            report.problems.append(
                Problem.of(
                    "falling_cumulative",
                    f"«{original['name']}» ngày {date_vn(prev.date)}: {label} {thousands(int(prev.value))} cao hơn "
                    f"báo cáo ngày {date_vn(row.date)} {'của ' + stored_as(row) if stored_as(row) else 'đã có'} "
                    f"({thousands(int(row.value))}); lũy kế không thể giảm"
                    + (
                        " (nếu số đã có là sai, hãy hủy lần nhập đó ở mục Lịch sử nhập rồi tải tệp lên lại)."
                        if stored_as(row) and "lần nhập #" in stored_as(row)
                        else "."
                    ),
                    **_at(original),
                )
            )


def check_replaced(obs: pd.DataFrame, current: pd.DataFrame | None, report: ImportReport, store) -> None:
    """Figures the file gives for a unit, day and figure the store already holds: the file's
    replace them (a corrected report sent again), said once — which days, how many units,
    how many figures change, and the uploads they came from — so that a day sent twice, or
    a file of the wrong day, is seen before it is written."""
    if current is None or current.empty or obs.empty:
        return
    keys = ["unit_key", "date", "metric"]
    both = obs[[*keys, "value"]].merge(
        current[[*keys, "value", "upload_id"]], on=keys, suffixes=("", "_stored")
    )
    if both.empty:
        return
    changed = int((both["value"].to_numpy(dtype=float) != both["value_stored"].to_numpy(dtype=float)).sum())
    days = sorted({d.date() for d in pd.to_datetime(both["date"])})
    units = both["unit_key"].nunique()
    day_text = (
        f"ngày {date_vn(days[0])}"
        if len(days) == 1
        else f"{len(days)} ngày, {date_vn(days[0])} – {date_vn(days[-1])}"
    )
    sources = _upload_names(store, sorted({int(u) for u in both["upload_id"].dropna()}))
    _lowers_stored(obs, current, report, store)
    report.problems.append(
        Problem.of(
            "replaces_stored",
            f"số liệu {day_text} của {thousands(units)} đơn vị đã có ({sources}); khi ghi, số của tệp này "
            "thay cho số đã có"
            + (f": {thousands(changed)} số khác số đã có." if changed else ", mọi số đều trùng số đã có."),
        )
    )


def _lowers_stored(obs: pd.DataFrame, current: pd.DataFrame, report: ImportReport, store) -> None:
    """Running totals the file gives below the store's for the same unit and day: a
    correction (the newest report is in force, docs/data-model.md) or a stale copy — a
    province's file that took a district's figures of the day before, a day's report sent
    again after the commune's own had corrected it upwards.  The file is written either way;
    said as a warning, at the first such cell, so that a stale copy is seen before it
    lowers a commune's figure without a word."""
    keys = ["unit_key", "date", "metric"]
    mine = obs[obs["metric"].isin(CUMULATIVE)]
    if mine.empty:
        return
    both = mine.merge(
        current.loc[current["metric"].isin(CUMULATIVE), [*keys, "value", "upload_id"]],
        on=keys,
        suffixes=("", "_stored"),
    )
    lower = both[both["value"].to_numpy(dtype=float) < both["value_stored"].to_numpy(dtype=float)]
    if lower.empty:
        return
    lower = lower.sort_values(["row"]) if "row" in lower else lower
    first = lower.iloc[0]
    label = "lũy kế thu nhận" if first.metric == "collected" else "lũy kế trả thẻ"
    more = len(lower) - 1
    report.problems.append(
        Problem.of(
            "lowers_stored",
            f"«{first['name']}» ngày {date_vn(first.date)}: {label} {thousands(int(first.value))} thấp hơn "
            f"{thousands(int(first.value_stored))} đã có cho cùng ngày ({_upload_names(store, [int(first.upload_id)])})"
            + (f", và {thousands(more)} số khác của tệp cũng thấp hơn số đã có" if more else "")
            + ". Khi ghi, số của tệp này thay cho số đã có: nếu là số đã sửa, cứ ghi; nếu tệp chép lại số của "
            "ngày trước, đừng ghi.",
            **_at(first),
        )
    )


def _upload_names(store, upload_ids: list[int]) -> str:
    """ "lần nhập #3 «bc_16_3.xlsx»", or a file checked above in the same batch."""
    named = []
    listed = None
    for upload_id in upload_ids[:3]:
        pending = getattr(store, "file_of", lambda _: None)(upload_id)
        if pending:
            named.append(f"tệp «{pending}» phía trên")
            continue
        if listed is None:
            uploads = store.list_uploads()
            listed = dict(zip(uploads["id"].astype(int), uploads["file_name"]))
        name = listed.get(upload_id)
        named.append(f"lần nhập #{upload_id}" + (f" «{name}»" if name else ""))
    more = len(upload_ids) - len(named)
    return ", ".join(named) + (f" và {more} lần nhập khác" if more > 0 else "")


#: A file naming at least this many communes of a district is that district's report: the
#: communes of the district it leaves out are said (one commune's own report is not).
DISTRICT_REPORT_MIN = 3


def check_missing_communes(obs: pd.DataFrame, report: ImportReport) -> None:
    """A district's report that leaves out some of the district's communes (the registry's,
    in the file's own hierarchy): said once per district, naming them, since every page will
    show them as not reported on the file's last day.  A warning: a unit may send its
    figures apart."""
    from cccd_analytics import registry

    # A commune whose row gives its eligible alone did not report: it is named among them.
    obs = obs[(obs["metric"] != "eligible").to_numpy(dtype=bool)]
    if obs.empty:
        return
    reg = registry.load_registry()
    # The distinct keys first, then as text: a categorical's astype(str) makes a string
    # per row (a province's file: 56.000 of them for its ~160 units).
    keys = pd.Index([str(k) for k in pd.unique(obs["unit_key"])], dtype=object)
    known = keys[keys.isin(reg.index)]
    if known.empty:
        return
    communes = reg[reg["level"] == "commune"]
    mine = communes.reindex(known).dropna(subset=["district_key"])
    last = pd.Timestamp(obs["date"].max()).date()
    for district, group in mine.groupby("district_key", sort=True):
        if len(group) < DISTRICT_REPORT_MIN or district not in reg.index:
            continue
        every = registry.communes_under(district, group["hierarchy"].iloc[0])
        present = set(group.index)
        names = sorted(str(name) for name, key in every if key not in present)
        if not names:
            continue
        shown = ", ".join(names[:5]) + (f" và {len(names) - 5} xã, phường khác" if len(names) > 5 else "")
        report.problems.append(
            Problem.of(
                "missing_communes",
                f"tệp có {len(group)}/{len(every)} xã, phường của {reg.at[district, 'name']}; không có "
                f"{shown}. Các đơn vị này sẽ được coi là chưa báo cáo ngày {date_vn(last)}.",
            )
        )


def _check_day_gain(
    obs: pd.DataFrame, is_collected: np.ndarray, report: ImportReport, current: pd.DataFrame | None = None
) -> None:
    """A day's own figure given beside the running totals of that day and the day before
    (a table of "Lũy kế đến 15/3 | Lũy kế đến 16/3 | Tăng trong ngày") that is not their
    difference: one of the three is mistyped, and nothing says which, so it is a warning at
    the day's figure.  Only where the file gives all three (its first day has no day before).

    Performance: matched on integer keys as `check_consistency` does (a nation's load has a
    million daily figures; a per-record export, tens of thousands)."""
    is_gain = (obs["metric"] == "collected_day").to_numpy(dtype=bool)
    if not is_gain.any():
        return
    unit_code = pd.factorize(obs["unit_key"], sort=True)[0].astype(np.int64)
    dates = pd.to_datetime(obs["date"]).dt.normalize()
    day_code, days = pd.factorize(dates, sort=True)
    width = len(days) + 1
    key = unit_code * width + day_code
    before_code = pd.DatetimeIndex(days).get_indexer(pd.DatetimeIndex(days) - pd.Timedelta(days=1))
    collected_at = np.flatnonzero(is_collected)
    collected_of = pd.Index(key[collected_at])
    gains = np.flatnonzero(is_gain)
    value = obs["value"].to_numpy()
    # A running total below that very day's own figure: one of the two is mistyped (digits
    # swapped: 58 for 85), and the pace of that day would be negative whichever is kept.
    same = collected_of.get_indexer(key[gains])
    below = gains[same >= 0][
        value[collected_at[same[same >= 0]]].astype(np.int64) < value[gains[same >= 0]].astype(np.int64)
    ]
    for at in below[:20].tolist():
        row = obs.iloc[at]
        ran = int(value[collected_at[collected_of.get_loc(key[at])]])
        report.problems.append(
            Problem.of(
                "cumulative_below_day",
                f"«{row['name']}» ngày {date_vn(dates.iloc[at])}: lũy kế thu nhận ({thousands(ran)}) nhỏ hơn số "
                f"thu nhận trong ngày ({thousands(int(row['value']))}); một trong hai số bị ghi nhầm (có thể đảo "
                "chữ số). Hãy sửa rồi tải lên lại.",
                sheet=row.get("sheet") or None,
                row=int(row["row"]) if pd.notna(row.get("row")) else None,
                column=row.get("column") or None,
                header=row.get("header") or None,
            )
        )
    earlier = before_code[day_code[gains]]
    now = collected_of.get_indexer(key[gains])
    before = collected_of.get_indexer(unit_code[gains] * width + earlier)
    found = (earlier >= 0) & (now >= 0) & (before >= 0)
    # (row of the day's figure, that day's running total, the day before's, where it is from),
    # of the days whose figure is not the difference: compared as arrays first, since a
    # per-record export gives a day's count beside every running total (tens of thousands,
    # each looked up as a row only when it differs).
    at_, ran_ = gains[found], value[collected_at[now[found]]].astype(np.int64)
    was_ = value[collected_at[before[found]]].astype(np.int64)
    differs = ran_ - was_ != value[at_].astype(np.int64)
    compared = [
        (at, ran, was, "")
        for at, ran, was in zip(at_[differs].tolist(), ran_[differs].tolist(), was_[differs].tolist())
    ]
    # The day before in the store (a report of "Trong ngày | Lũy kế" sent day after day).
    alone = gains[(now >= 0) & ~found]
    if current is not None and len(alone) and not current.empty:
        stored = current[current["metric"] == "collected"]
        kept = dict(
            zip(
                zip(stored["unit_key"].astype(str), pd.to_datetime(stored["date"]).dt.normalize()),
                stored["value"].to_numpy(),
            )
        )
        day = pd.Timedelta(days=1)
        for at, this in zip(alone.tolist(), collected_at[now[(now >= 0) & ~found]].tolist()):
            was = kept.get((str(obs["unit_key"].iloc[at]), dates.iloc[at] - day))
            if was is not None and int(value[this]) - int(was) != int(value[at]):
                compared.append((at, int(value[this]), int(was), ", số đã lưu"))
    said = 0
    for at, ran, was, source in compared:
        row = obs.iloc[at]
        if ran - was == int(row["value"]):
            continue
        when = dates.iloc[at]
        report.problems.append(
            Problem.of(
                "day_gain_mismatch",
                f"«{row['name']}» ngày {date_vn(when)}: thu nhận trong ngày ghi {thousands(int(row['value']))}, "
                f"nhưng lũy kế tăng từ {thousands(was)} ({date_vn(when - pd.Timedelta(days=1))}{source}) lên "
                f"{thousands(ran)}, tức {thousands(ran - was)}; một trong ba số bị ghi nhầm.",
                sheet=row.get("sheet") or None,
                row=int(row["row"]) if pd.notna(row.get("row")) else None,
                column=row.get("column") or None,
                header=row.get("header") or None,
            )
        )
        said += 1
        if said >= 20:
            break


def check_consistency(obs: pd.DataFrame, report: ImportReport, current: pd.DataFrame | None = None) -> None:
    # Performance: each metric is matched with `collected` on (unit, date) through one
    # integer key per row (codes in sorted order, so ordering by the key is ordering by
    # unit, then date), instead of pivoting every observation or merging on the text; the
    # problems come in the pivot's order (by unit, then date).  `obs` has one value per
    # (unit, date, metric): check_duplicates ran first.
    metric = obs["metric"]
    is_collected = (metric == "collected").to_numpy(dtype=bool)
    if not is_collected.any():
        return
    _check_day_gain(obs, is_collected, report, current)
    returned = (metric == "returned").to_numpy(dtype=bool)
    eligible = (metric == "eligible").to_numpy(dtype=bool)
    if not (returned.any() or eligible.any()):
        return
    unit_code = pd.factorize(obs["unit_key"], sort=True)[0].astype(np.int64)
    day_code, days = pd.factorize(obs["date"], sort=True)
    key = unit_code * (len(days) + 1) + day_code
    value = obs["value"].to_numpy()
    collected_at = np.flatnonzero(is_collected)
    collected_of = pd.Index(key[collected_at])
    first_of = None

    def against(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of `mask` that have a collected figure the same unit and day, ordered by
        unit and day; and that collected figure's row for each."""
        rows = np.flatnonzero(mask)
        found = collected_of.get_indexer(key[rows])
        rows, found = rows[found >= 0], collected_at[found[found >= 0]]
        order = np.argsort(key[rows], kind="stable")
        return rows[order], found[order]

    def located(at: int):
        """The first row of the file with this row's unit and day (for the message)."""
        nonlocal first_of
        if first_of is None:
            first_of = pd.Series(np.arange(len(key))).groupby(key, sort=False).first()
        return obs.iloc[int(first_of[key[at]])]

    if returned.any():
        rows, collected = against(returned)
        bad = value[rows] > value[collected]
        for at, other in list(zip(rows[bad].tolist(), collected[bad].tolist()))[:20]:
            row = located(at)
            report.problems.append(
                Problem.of(
                    "returned_above_collected",
                    f"«{row['name']}» ngày {date_vn(obs['date'].iloc[at])}: số thẻ đã trả ({thousands(int(value[at]))}) lớn hơn "
                    f"số hồ sơ đã thu nhận ({thousands(int(value[other]))}).",
                    sheet=row.sheet or None,
                    row=int(row.row),
                )
            )
    if eligible.any():
        rows, collected = against(eligible)
        bad = value[collected] > value[rows]
        rows, collected = rows[bad], collected[bad]
        # The first day each unit goes over (rows are in unit, then day order).
        firsts = np.flatnonzero(np.r_[True, unit_code[rows][1:] != unit_code[rows][:-1]]) if len(rows) else []
        for at, other in zip(rows[firsts].tolist(), collected[firsts].tolist()):
            row = located(at)
            report.problems.append(
                Problem.of(
                    "coverage_over_100",
                    f"«{row['name']}» từ ngày {date_vn(obs['date'].iloc[at])}: đã thu nhận {thousands(int(value[other]))} "
                    f"vượt số công dân đủ điều kiện ({thousands(int(value[at]))}).",
                    sheet=row.sheet or None,
                    row=int(row.row),
                )
            )
