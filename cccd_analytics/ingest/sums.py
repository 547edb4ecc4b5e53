"""Subtotal and total rows are never units: each is checked against the communes it
sums, and a difference is reported (the communes' figures are the ones kept)."""

from __future__ import annotations

from cccd_analytics.ingest.report import ImportReport, Problem
from cccd_analytics.text import fold, thousands

#: Figures that are a standing amount on their day (a running total, the eligible): over a
#: table of several days, a total row adds each commune's last one, not every day's.
STANDING = ("collected", "returned", "eligible")


def check_sums(
    values: dict[str, list],
    commune_rows: list[int],
    groups: list[dict],
    totals: list[dict],
    sheet: str | None,
    report: ImportReport,
    days: list | None = None,
    names: list | None = None,
) -> None:
    """Subtotal and total rows are never units: check them against their communes.

    `days` and `names` (each row's date and commune, when the table has a day column): a
    total under rows of several days — a week's rows per commune and day — adds each
    commune's last running total and every day's own figure, and a total naming one of the
    communes ("Cộng Xã Diễn Lâm") sums that commune's rows; they were checked against every
    row above them, a false mismatch on every such total."""
    found: list[dict] = []

    def over_days(entry: dict, members: list[int]) -> tuple[list[int], list[int]] | None:
        """(rows to add for a day's figure, rows to add for a standing one), or None when the
        members are of one day."""
        if days is None or names is None or len({days[i] for i in members if days[i] is not None}) < 2:
            return None
        label = fold(str(entry["label"] or ""))
        # "Cộng Huyện Diễn Châu" is no commune's rows, whatever commune shares its name.
        wider = any(word in label.split() for word in ("huyen", "tinh", "toan", "quan")) or any(
            words in label for words in ("thi xa", "thanh pho", "cum ")
        )
        own = [] if wider else [i for i in members if names[i] and fold(str(names[i])) in label]
        if own and len({fold(str(names[i])) for i in own}) == 1:
            members = own
        last: dict[str, int] = {}
        for i in members:
            key = fold(str(names[i] or ""))
            if key not in last or (
                days[i] is not None and days[last[key]] is not None and days[i] >= days[last[key]]
            ):
                last[key] = i
        return members, sorted(last.values())

    def compare(entry: dict, kind: str, members: list[int]) -> None:
        checked, mismatches = [], []
        split = over_days(entry, members) if members else None
        if split is not None:
            members = split[0]
        for name, stated in entry["values"].items():
            if not members:
                continue
            column = values[name]
            rows = split[1] if split is not None and name in STANDING else members
            actual = sum(column[i] or 0 for i in rows)
            checked.append(name)
            if stated != actual:
                mismatches.append(dict(field=name, stated=stated, communes=actual))
                label = f"«{entry['label']}»"
                what = "dòng tổng" if kind == "total" else "dòng cộng"
                letter, header = entry["cells"].get(name, (None, None))
                report.problems.append(
                    Problem.of(
                        "subtotal_mismatch",
                        f"{what} {label} ghi {thousands(stated)} nhưng tổng {len(members)} xã/phường là "
                        f"{thousands(actual)} (chênh {'+' if stated >= actual else '-'}{thousands(abs(stated - actual))}); "
                        "số của từng xã được dùng, dòng tổng không được lưu.",
                        sheet=sheet,
                        row=entry["row"],
                        column=letter,
                        header=header,
                    )
                )
        found.append(
            dict(
                sheet=sheet,
                row=entry["row"],
                kind=kind,
                label=entry["label"],
                district=entry.get("district"),
                position=entry["position"],
                communes=len(members),
                checked=checked,
                matches=not mismatches,
                mismatches=mismatches,
            )
        )

    for group in groups:
        if group["values"] or group["members"]:
            compare(group, "subtotal", group["members"])
    for total in totals:
        compare(total, "total", commune_rows)
    report.totals.extend(sorted(found, key=lambda t: t["row"]))
