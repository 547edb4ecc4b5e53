"""cccd_analytics — theo dõi chiến dịch cấp căn cước công dân gắn chíp.

A plain library (no Streamlit outside `cccd_analytics.ui`): readers, registry, store,
campaigns, metrics, forecast, charts.  See README.md and docs/.
"""

__version__ = "0.1.0"
