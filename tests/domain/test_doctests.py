"""The examples in bot.domain's docstrings are part of its tests."""

import doctest
import importlib
import pkgutil
from types import ModuleType

import pytest

import bot.domain

MODULES = [bot.domain.__name__] + [
    info.name for info in pkgutil.iter_modules(bot.domain.__path__, f"{bot.domain.__name__}.")
]


def test_every_domain_module_is_found() -> None:
    assert {"bizno", "status", "certificate", "card"} <= {name.rsplit(".")[-1] for name in MODULES}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module: ModuleType = importlib.import_module(name)
    failed, attempted = doctest.testmod(module, verbose=False, report=True)
    assert attempted > 0, f"{name} has no examples in its docstrings"
    assert failed == 0
