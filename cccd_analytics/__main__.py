import sys

from cccd_analytics.cli import main

sys.exit(main())
