"""The README and manifest.yml stay true to the code."""

import re
from pathlib import Path

import yaml

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in readme]
    assert missing == []


def test_env_example_names_only_real_settings() -> None:
    names = {name.upper() for name in Settings.model_fields}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        assignment = line.lstrip("# ").split("=", 1)
        if len(assignment) == 2 and assignment[0].isupper():
            assert assignment[0] in names


def test_manifest_declares_what_the_bot_uses() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert set(settings["event_subscriptions"]["bot_events"]) >= {
        "message.channels",
        "message.groups",
        "message.im",
        "message.mpim",
        "file_shared",
        "app_home_opened",
    }
    assert set(manifest["oauth_config"]["scopes"]["bot"]) >= {
        "chat:write",
        "commands",
        "files:read",
        "files:write",
        "reactions:write",
        "channels:history",
        "groups:history",
        "im:history",
        "mpim:history",
    }
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/bizstatus"
    assert command["usage_hint"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_security_md_cites_tests_that_exist() -> None:
    """Each claim in SECURITY.md names the test behind it; a renamed test must not orphan it."""
    security = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    cited = re.findall(r"(tests/[\w/]+(?:\.py)?/?)(?:::(\w+))?", security)
    assert len(cited) > 10
    for path, name in cited:
        target = ROOT / path
        assert target.exists(), path
        if name:
            assert re.search(rf"def {name}\(", target.read_text(encoding="utf-8")), name
    for file, names in re.findall(r"`(tests/[\w/]+\.py)` \(([^)]*)\)", security):
        source = (ROOT / file).read_text(encoding="utf-8")
        for name in re.findall(r"`(\w+)`", names):
            assert re.search(rf"def {name}\(", source), f"{file}::{name}"
