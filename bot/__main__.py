"""`python -m bot`: the same command line as `ocrbot`."""

import sys

from bot.cli import main

sys.exit(main())
