"""The layers contract in pyproject.toml (run by `make lint` as `lint-imports`): it names
every part of the bot, holds for the code as it is, and fails on an import that points up."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def layers() -> list[set[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    [contract] = [c for c in config["contracts"] if c["id"] == "layers"]
    return [{name.strip() for name in layer.split(":")} for layer in contract["layers"]]


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` on the copy of the code at `root`, found there before the installed one."""
    return subprocess.run(  # noqa: S603 - our own tool, no shell
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_every_part_of_the_bot_has_a_layer() -> None:
    """A new top-level module or package must be placed, or nothing would check it."""
    named = set().union(*layers())
    parts = {
        f"bot.{path.stem}"
        for path in (ROOT / "bot").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    }
    assert parts - named == set()
    assert "handlers" in named


@pytest.fixture
def code_copy(tmp_path: Path) -> Path:
    for package in ("bot", "handlers"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_contract_holds_and_an_import_pointing_up_breaks_it(code_copy: Path) -> None:
    kept = lint_imports(code_copy)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "1 kept, 0 broken" in kept.stdout

    with (code_copy / "bot" / "domain" / "pan.py").open("a") as pan:
        pan.write("\nfrom bot.services import status as _status  # deliberate violation\n")
    broken = lint_imports(code_copy)

    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "bot.domain is not allowed to import bot.services" in broken.stdout
    assert "bot.domain.pan -> bot.services.status" in broken.stdout
