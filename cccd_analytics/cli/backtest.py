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

REFUSALS = ()


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
            f"{r.campaign:<10} {fmt.percent(r.threshold, 0):>5} {r.origins:>7} {r.units:>7} "
            f"{fmt.number(r.mae_ruler, 1) + ' ngày':>13} {fmt.number(r.mae_model, 1) + ' ngày':>15} "
            f"{fmt.number(r.ratio, 2):>6} {fmt.percent(r.range80, 0):>11}"
        )
    return "\n".join(lines)


def _reliability_text(rel: pd.DataFrame) -> str:
    lines = [f"{'Khả năng kịp hạn':<18} {'Số lần':>7} {'Dự báo':>8} {'Thực tế':>8}"]
    for r in rel.itertuples():
        if r.n == r.n and r.n:
            lines.append(
                f"{r.decile:<18} {int(r.n):>7} {fmt.percent(r.predicted, 0):>8} {fmt.percent(r.observed, 0):>8}"
            )
    return "\n".join(lines)


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
            print(_table_text(pd.DataFrame(record["rows"])))
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
    print(
        "Kiểm định bỏ-một-chiến-dịch: mỗi chiến dịch được dự báo bằng tham số hiệu chỉnh trên các chiến dịch khác."
    )
    print(
        "Thước: còn lại ÷ tốc độ 7 ngày.  Tỷ lệ = sai số mô hình ÷ sai số thước (dưới 1: mô hình tốt hơn).\n"
    )
    print(_table_text(report.table))
    print("\nKhả năng kịp hạn (mốc 70%, gộp, ngoài mẫu):")
    print(_reliability_text(report.reliability))
    same = scoring.same_params(forecast.load_params(), report.product)
    print(
        "\nTham số đang dùng "
        + ("trùng với" if same else "KHÁC với")
        + " kết quả hiệu chỉnh này"
        + ("" if same or args.calibrate else " (chạy `cccd backtest --calibrate` để cập nhật)")
        + "."
    )
    return 0
