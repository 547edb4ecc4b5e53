"""Subtotal and total rows are never units: each is checked against the communes it
sums, and a difference is reported (the communes' figures are the ones kept)."""

from __future__ import annotations

from cccd_analytics.ingest.report import ImportReport, Problem
from cccd_analytics.text import thousands


def check_sums(
    values: dict[str, list],
    commune_rows: list[int],
    groups: list[dict],
    totals: list[dict],
    sheet: str | None,
    report: ImportReport,
) -> None:
    """Subtotal and total rows are never units: check them against their communes."""
    found: list[dict] = []

    def compare(entry: dict, kind: str, members: list[int]) -> None:
        checked, mismatches = [], []
        for name, stated in entry["values"].items():
            if not members:
                continue
            column = values[name]
            actual = sum(column[i] or 0 for i in members)
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
