"""Analyse: pure functions on the store's tidy frames (docs/analytics.md, docs/forecast.md).

`campaigns` (definitions, scope, targets, working days), `metrics` (coverage, pace, required
rate, the snapshot every page and the briefing read), `forecast` and `backtest` (the
completion forecaster and its track record), `capacity` (teams and what-if surges),
`league` (rankings), `quality` (data-quality findings and completeness), `freshness` (who
reported on the as-of day, who is silent) and `drilldown` (one unit's share of a campaign).  Nothing here imports Streamlit, plotly or the briefing.
"""
