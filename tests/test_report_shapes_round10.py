"""Report shapes found by the tenth outside probe (6/12/2026): what units send that was read
wrong or refused without cause."""

from __future__ import annotations

from tests.test_report_shapes_round7 import KY_TAN, KY_THO, TOP, imported, values


def _grouped(group: str, subs: list[str], figures: dict[str, list[int]]) -> list[list]:
    """A table under a two-row header: `group` merged over `subs` (the merge is left to the
    reader: the group's text stands in its first column, the rest blank)."""
    head = ["STT", "Đơn vị", group] + [None] * (len(subs) - 1)
    rows = [*TOP, head, [None, None, *subs]]
    for i, (name, cells) in enumerate(figures.items()):
        rows.append([i + 1, name, *cells])
    return rows


def test_under_a_group_of_issued_and_collected_the_collected_column_is_the_one_that_says_so():
    # "Đã cấp" (cards issued) before "Thu nhận": the group's "thu nhận" names both, the
    # column's own words only the second.
    rows = _grouped(
        "Số CCCD đã cấp/thu nhận",
        ["Đã cấp", "Thu nhận"],
        {"Xã Kỳ Tân": [908, 2271], "Xã Kỳ Thọ": [700, 1500]},
    )
    report = imported({"BC": rows})
    assert values(report, metric="collected") == {(KY_TAN, "collected"): 2271, (KY_THO, "collected"): 1500}


def test_under_a_group_of_cards_the_returned_column_is_the_one_handed_over():
    # "Thẻ đã về" (cards arrived at the district) and "Còn tồn" (in stock) are not returned.
    rows = _grouped(
        "Trả thẻ",
        ["Thẻ đã về", "Đã trả", "Còn tồn"],
        {"Xã Kỳ Tân": [1073, 1036, 37], "Xã Kỳ Thọ": [800, 760, 40]},
    )
    rows[len(TOP)][2:2] = ["Lũy kế thu nhận"]
    rows[len(TOP) + 1][2:2] = [None]
    for k, value in zip((len(TOP) + 2, len(TOP) + 3), (2396, 1512)):
        rows[k][2:2] = [value]
    report = imported({"BC": rows})
    assert values(report, metric="returned") == {(KY_TAN, "returned"): 1036, (KY_THO, "returned"): 760}


def test_a_group_whose_first_column_says_it_by_its_own_words_keeps_it():
    # "Lũy kế" then "Trong ngày" under "Thu nhận": each column its own figure, as before.
    rows = _grouped(
        "Thu nhận hồ sơ", ["Lũy kế", "Trong ngày"], {"Xã Kỳ Tân": [2396, 33], "Xã Kỳ Thọ": [1512, 12]}
    )
    report = imported({"BC": rows})
    assert values(report, metric="collected") == {(KY_TAN, "collected"): 2396, (KY_THO, "collected"): 1512}
    assert values(report, metric="collected_day") == {
        (KY_TAN, "collected_day"): 33,
        (KY_THO, "collected_day"): 12,
    }
