"""ocrbot: the Slack bot, its services and the clients of the APIs it calls."""

import sys

# httpx imports its command-line tool whenever click is installed, as in a development
# environment: click, rich and pygments, some 5 MB and 50 ms for every process, for a
# tool the bot never runs. None in sys.modules makes that import fail, as it does where
# click is missing, and httpx goes on without its tool.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
