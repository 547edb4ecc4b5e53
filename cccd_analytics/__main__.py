from cccd_analytics.cli import run

run()
