"""`cccd backtest`: the forecaster's leave-one-campaign-out track record on real coverage
campaigns; `--calibrate` refits the parameters the product runs with and the track
record the dashboard shows; `--save` writes the record elsewhere."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd

from cccd_analytics import text as fmt
from cccd_analytics.analytics import backtest as scoring
from cccd_analytics.analytics import forecast
from cccd_analytics.cli import UsageError
from cccd_analytics.tables import DATASET_SHORT

REFUSALS = ()

# The methods of the comparison in Vietnamese (the record keeps their identifiers).
METHOD_LABELS = {
    "drain (default)": "mô hình đang dùng",
    "one distribution by horizon (the previous default)": "một phân phối theo tầm dự báo (cách trước đây)",
    "adaptive spread, no between-campaign term": "độ rộng thích ứng, không tính chênh lệch giữa các chiến dịch",
    "between-campaign term, no adaptive spread": "tính chênh lệch giữa các chiến dịch, độ rộng cố định",
    "adaptive spread by disagreement alone, between-campaign term": (
        "độ rộng thích ứng chỉ theo độ vênh giữa mô hình và tốc độ, tính chênh lệch giữa các chiến dịch"
    ),
    "drain, no shrink toward the ruler": "mô hình đang dùng, không kéo về phía thước",
    "robust ruler (pace from whole weeks), no calibration": "thước tính tốc độ theo tuần trọn, không hiệu chỉnh",
    "run_rate": "thước (còn lại ÷ tốc độ 7 ngày)",
    "saturating": "đường cong bão hòa",
    "saturating_shipped": "đường cong bão hòa với tham số cũ",
}


def _name(campaign: str) -> str:
    """A backtest campaign in Vietnamese, in a word (a name it does not know, as given)."""
    return DATASET_SHORT.get(campaign, campaign)


def _table_text(rows: pd.DataFrame) -> str:
    """The track record as a plain Vietnamese table: per campaign and pooled, the
    projected date's mean error against the ruler's, and the 80 % range."""
    head = (
        f"{'Chiến dịch':<10} {'Mốc':>5} {'Số lần':>7} {'Đơn vị':>7} {'Sai số thước':>13} "
        f"{'Sai số mô hình':>15} {'Tỷ lệ':>6} {'Khoảng 80%':>11}"
    )
    lines = [head, "-" * len(head)]
    for r in rows.itertuples():
        lines.append(
            f"{_name(r.campaign):<10} {fmt.percent(r.threshold, 0):>5} {fmt.number(r.origins):>7} "
            f"{fmt.number(r.units):>7} "
            f"{fmt.number(r.mae_ruler, 1) + ' ngày':>13} {fmt.number(r.mae_model, 1) + ' ngày':>15} "
            f"{fmt.number(r.ratio, 2):>6} {fmt.percent(r.range80, 0):>11}"
        )
    return "\n".join(lines)


def _left_out_text(rows: pd.DataFrame) -> str:
    """Beside the protocol's figures, the forecasts of units that never reached the
    target (which they leave out), counted where their outcome is certain: the 80 %
    range's tally (held / certainly missed / unknown), its share counting the certain
    ones (and with every forecast, the unknown all missed or all held), and the least
    error ratio any later actual date could give.  Empty for a record without them."""
    if "left_out" not in rows or rows["left_out"].isna().all():
        return ""
    head = (
        f"{'Chiến dịch':<10} {'Mốc':>5} {'Số lần':>7} {'Bị loại (đơn vị)':>17} "
        f"{'Khoảng 80%: trúng / trượt / chưa biết':>38} {'Chứa ngày thực tế':>18} {'Tỷ lệ sai số':>13}"
    )
    lines = [
        "Đơn vị chưa đạt mốc khi hết số liệu: bảng trên không tính các lần dự báo cho những đơn vị này "
        "(đúng quy ước kiểm định: chỉ chấm khi đơn vị đã đạt mốc), còn bảng khả năng kịp hạn tính là trễ hạn.",
        "Dưới đây tính cả chúng ở chỗ kết quả đã chắc chắn: khoảng 80% kết thúc trước ngày số liệu cuối là chắc "
        "chắn trượt; sai số ít nhất bằng khoảng cách từ ngày dự báo đến ngày số liệu cuối.",
        "«Chứa ngày thực tế»: trúng ÷ (trúng + trượt), trong ngoặc khi tính mọi lần dự báo (chưa biết coi là "
        "trượt hết hoặc trúng hết).  «Tỷ lệ sai số»: mức thấp nhất có thể, trong ngoặc là tỷ lệ ở bảng trên.",
        "",
        head,
        "-" * len(head),
    ]
    for r in rows.itertuples():
        tally = f"{fmt.number(r.range_held)} / {fmt.number(r.range_missed)} / {fmt.number(r.range_unknown)}"
        share = fmt.percent(r.range80_certain, 0)
        if r.range_unknown:
            share += f" ({fmt.percent(r.range80_low, 0)}–{fmt.percent(r.range80_high, 0)})"
        ratio = (
            f"≥ {fmt.number(r.ratio_floor, 2)} ({fmt.number(r.ratio, 2)})"
            if r.left_out
            else fmt.number(r.ratio, 2)
        )
        lines.append(
            f"{_name(r.campaign):<10} {fmt.percent(r.threshold, 0):>5} {fmt.number(r.forecasts):>7} "
            f"{fmt.number(r.left_out) + ' (' + fmt.number(r.left_out_units) + ')':>17} {tally:>38} "
            f"{share:>18} {ratio:>13}"
        )
    return "\n".join(lines)


def _reliability_text(rel: pd.DataFrame) -> str:
    """Predicted P(on time) in deciles against how often the target was met, with the
    number of forecasts in each bin (sparse bins already merged by the backtest)."""
    lines = [f"{'Khả năng kịp hạn':<18} {'Số lần':>7} {'Dự báo':>8} {'Thực tế':>8} {'Chênh':>8}"]
    for r in rel.itertuples():
        if r.n == r.n and r.n:
            gap = f"{100 * (r.observed - r.predicted):+.0f} điểm"
            lines.append(
                f"{r.decile:<18} {int(r.n):>7} {fmt.percent(r.predicted, 0):>8} "
                f"{fmt.percent(r.observed, 0):>8} {gap:>8}"
            )
    return "\n".join(lines)


def _comparison_text(comparison: pd.DataFrame, threshold: float = 0.7) -> str:
    """Every method and predictive distribution tried, at the 70 % target: per campaign
    the model's error against the ruler's and how often the 80 % range held; pooled, the
    largest reliability gap of P(on time)."""
    c = comparison[comparison["threshold"] == threshold]
    if c.empty:
        return ""
    campaigns = list(dict.fromkeys(c["campaign"]))
    lines = []
    for method, g in c.groupby("method", sort=False):
        g = g.set_index("campaign")
        cells = [
            f"{_name(name)} {fmt.number(g.at[name, 'ratio'], 2)} / {fmt.percent(g.at[name, 'range80'], 0)}"
            for name in campaigns
            if name in g.index
        ]
        gap = g["reliability_gap"].dropna() if "reliability_gap" in g else pd.Series(dtype=float)
        if len(gap):
            cells.append(f"độ tin cậy lệch tối đa {100 * gap.iloc[0]:.0f} điểm")
        lines.append(f"- {METHOD_LABELS.get(method, method)}: " + "; ".join(cells))
    return "\n".join(lines)


def _print_record(record: dict) -> None:
    print(
        "Kiểm định bỏ-một-chiến-dịch: mỗi chiến dịch được dự báo bằng tham số hiệu chỉnh trên các chiến dịch khác."
    )
    print(
        "Thước: còn lại ÷ tốc độ 7 ngày.  Tỷ lệ = sai số mô hình ÷ sai số thước (dưới 1: mô hình tốt hơn).\n"
    )
    rows = pd.DataFrame(record.get("rows", []))
    print(_table_text(rows))
    left_out = _left_out_text(rows)
    if left_out:
        print("\n" + left_out)
    rel = pd.DataFrame(record.get("reliability", []))
    if not rel.empty:
        print("\nKhả năng kịp hạn (mốc 70%, gộp, ngoài mẫu):")
        print(_reliability_text(rel))
    comparison = pd.DataFrame(record.get("comparison", []))
    if not comparison.empty:
        print("\nCác cách đã thử (mốc 70%; tỷ lệ sai số so với thước / khoảng 80% chứa ngày thực tế):")
        print(_comparison_text(comparison))


def backtest(args) -> int:
    """Score the forecaster leaving one campaign out (or print the shipped record)."""
    data_dir = Path(args.data_dir) if args.data_dir else scoring.default_data_dir()
    if args.shipped or not data_dir.is_dir():
        computed_on, record = scoring.shipped_track_record()
        if not record:
            raise UsageError(
                f"Không thấy thư mục số liệu kiểm định «{data_dir}» và chưa có kết quả kiểm định."
            )
        if not args.shipped:
            print(
                f"Không thấy «{data_dir}»: in kết quả đã tính ngày {fmt.date_vn(computed_on)}.",
                file=sys.stderr,
            )
        if args.json:
            print(json.dumps(record, ensure_ascii=False, indent=1))
        else:
            _print_record(record)
        return 0
    series = scoring.load_backtest_series(data_dir)
    started = time.perf_counter()

    def say(message: str) -> None:
        if not args.json:
            print(f"[{time.perf_counter() - started:4.0f} s] {message}", file=sys.stderr, flush=True)

    compare = () if args.no_compare else ("run_rate", "saturating", "saturating_shipped")
    report = scoring.evaluate(series, compare=compare, progress=say)
    record = report.to_json()
    if args.calibrate:
        scoring.save_calibration(report)
    if args.save:
        Path(args.save).write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(record, ensure_ascii=False, indent=1))
        return 0
    _print_record(record)
    same = scoring.same_params(forecast.load_params(), report.product)
    print(
        "\nTham số đang dùng "
        + ("trùng với" if same else "KHÁC với")
        + " kết quả hiệu chỉnh này"
        + ("" if same or args.calibrate else " (chạy `cccd backtest --calibrate` để cập nhật)")
        + "."
    )
    return 0
