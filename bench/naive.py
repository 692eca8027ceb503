"""The naive baseline (bench/naive_bot.py) as a process beside the fakes, like the bot's."""

import sys
from pathlib import Path

import httpx

from fakes.bot_process import BotProcess


class NaiveBotProcess(BotProcess):
    """`python -m bench.naive_bot` on 127.0.0.1, with the settings a bot process gets."""

    def command(self) -> list[str]:
        return [sys.executable, "-m", "bench.naive_bot", "--port", str(self.port)]

    def cwd(self) -> Path:
        return Path(__file__).resolve().parent.parent  # where `bench` imports from

    def healthy(self) -> bool:
        """Bolt's development server has no health page: any HTTP answer will do."""
        httpx.get(self.url + "/", timeout=1)
        return True
