"""``python -m threshold_estimator demo``."""

import sys

from threshold_estimator.cli import main

if __name__ == "__main__":
    sys.exit(main())
