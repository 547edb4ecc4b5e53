"""Analyse: pure functions on the store's tidy frames (docs/analytics.md, docs/forecast.md).

`campaigns` (definitions, scope, targets, working days); `metrics` (the snapshot every page
and the briefing read) with its parts `panel` (a metric as days x units), `figures` (a set
of columns against one goal) and `status` (status, note, order of concern); `forecast`
(the completion forecaster) with `forecast_params`, `forecast_pace` and `forecast_model`,
and `forecast_legacy` (the rejected curves, for comparison); `backtest` (its track record)
with `backtest_campaigns` and `backtest_calibration`; `capacity` (teams and what-if
surges); `league` (rankings); `quality` (data-quality findings and completeness) with
`quality_checks`; `breakdowns` (parts by group, channel, residence) with `parts` and
`group_targets`; `freshness` (who reported on the as-of day, who is silent) and
`drilldown` (one unit's share of a campaign).  Nothing here imports Streamlit, plotly or
the briefing.
"""
