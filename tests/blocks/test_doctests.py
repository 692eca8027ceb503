import doctest
import importlib

import pytest

MODULES = ["bot.blocks.mrkdwn", "bot.blocks.status", "bot.blocks.authenticity"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
