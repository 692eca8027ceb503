"""What a fresh clone installs: the Python the Makefile picks, the lock files, the version."""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
MAKE = shutil.which("make") or "make"  # the quick start needs it anyway
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def pinned(lock: str) -> dict[str, str]:
    """Package -> version, from a pip-compile lock file."""
    pins = re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", (ROOT / lock).read_text(), re.MULTILINE)
    return {canonicalize_name(name): version for name, version in pins}


def names(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(line).name) for line in requirements}


def test_the_bot_lock_pins_every_dependency_and_no_test_tool() -> None:
    bot = pinned("requirements/bot.txt")
    assert names(PYPROJECT["project"]["dependencies"]) <= bot.keys()
    assert not names(PYPROJECT["project"]["optional-dependencies"]["dev"]) & bot.keys()


def test_the_dev_lock_pins_the_same_bot_packages_and_the_test_tools() -> None:
    bot, dev = pinned("requirements/dev.txt"), pinned("requirements/bot.txt")
    assert names(PYPROJECT["project"]["optional-dependencies"]["dev"]) <= bot.keys()
    assert {name: bot[name] for name in dev} == dev  # one version of each package


def test_the_installed_packages_are_the_locked_ones() -> None:
    from importlib.metadata import version

    for name, locked in pinned("requirements/dev.txt").items():
        assert version(name) == locked, name


def test_ocrbot_version_is_the_release_in_pyproject() -> None:
    done = subprocess.run(  # noqa: S603
        [str(Path(sys.executable).parent / "ocrbot"), "--version"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert done.stdout.strip() == f"ocrbot {PYPROJECT['project']['version']}"


def fake_python(folder: Path, name: str, *, version_ok: bool) -> None:
    """A `name` on PATH: the real Python when `version_ok`, else one that says it is older."""
    script = folder / name
    if version_ok:
        script.symlink_to(sys.executable)
    else:
        script.write_text("#!/bin/sh\nexit 1\n")
        script.chmod(0o755)


def dry_run(tmp_path: Path, path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": str(path)}
    env.pop("PYTHON", None)
    return subprocess.run(  # noqa: S603
        [MAKE, "-n", "-C", str(ROOT), f"VENV={tmp_path / 'venv'}", "setup"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_make_passes_over_an_old_python3_for_a_newer_one(tmp_path: Path) -> None:
    path = tmp_path / "bin"
    path.mkdir()
    fake_python(path, "python3", version_ok=False)
    fake_python(path, "python3.11", version_ok=True)
    done = dry_run(tmp_path, path)
    assert done.returncode == 0, done.stderr
    assert re.search(
        rf"Creating \S+ with \S+ {sys.version_info[0]} {sys.version_info[1]}", done.stdout
    )
    assert "\npython3.11 -m venv" in done.stdout


def test_make_without_a_new_enough_python_says_which_it_needs(tmp_path: Path) -> None:
    path = tmp_path / "bin"
    path.mkdir()
    fake_python(path, "python3", version_ok=False)
    done = subprocess.run(  # noqa: S603
        [MAKE, "-C", str(ROOT), f"VENV={tmp_path / 'venv'}", "setup"],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": str(path)},
        check=False,
    )
    assert done.returncode == 2
    assert "needs Python 3.11 or newer" in done.stderr
    assert not (tmp_path / "venv").exists()
