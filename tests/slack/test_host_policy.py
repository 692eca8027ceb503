"""Which URLs may receive the bot token: Slack's own https hosts and SLACK_API_URL's origin."""

import pytest

from bot.slack.files import may_send_token

SLACK_API = "https://slack.com/api/"
FAKE_API = "http://127.0.0.1:8123/api/"


@pytest.mark.parametrize(
    "url",
    [
        "https://slack.com/files-pri/T1-F1/download/a.png",
        "https://files.slack.com/files-pri/T1-F1/download/a.png",
        "https://files-origin.slack.com/files-pri/T1-F1/download/a.png",
        "https://slack-files.com/T1-F1-abc",
        "https://FILES.Slack.COM/a.png",
        "https://files.slack.com:443/a.png",
    ],
)
def test_slack_hosts_get_the_token(url: str) -> None:
    assert may_send_token(url, api_url=SLACK_API)


@pytest.mark.parametrize(
    "url",
    [
        "https://evilslack.com/a.png",
        "https://evil-slack-files.com/a.png",
        "https://slack.com.evil.example/a.png",
        "https://files.slack.com.evil.example/a.png",
        "http://slack.com/a.png",
        "http://files.slack.com/a.png",
        "https://files.slack.com:8443/a.png",
        "https://slack.com@evil.example/a.png",
        "https://files.slack.com:x@evil.example/a.png",
        "https://evil.example\\@files.slack.com/a.png",
        "https://user@files.slack.com/a.png",
        "https://slаck.com/a.png",  # Cyrillic "а"
        "ftp://files.slack.com/a.png",
        "/files-pri/T1-F1/a.png",
        "https://[::1/a.png",
        "",
    ],
)
def test_other_urls_do_not(url: str) -> None:
    assert not may_send_token(url, api_url=SLACK_API)


def test_the_configured_api_origin_gets_the_token() -> None:
    assert may_send_token("http://127.0.0.1:8123/files/F1", api_url=FAKE_API)
    assert may_send_token("http://127.0.0.1:8123/elsewhere?x=1", api_url=FAKE_API)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8124/files/F1",  # another port
        "https://127.0.0.1:8123/files/F1",  # another scheme
        "http://127.0.0.2:8123/files/F1",  # another host
        "http://localhost:8123/files/F1",  # same machine, different name
        "http://127.0.0.1/files/F1",
    ],
)
def test_the_api_origin_must_match_exactly(url: str) -> None:
    assert not may_send_token(url, api_url=FAKE_API)


def test_slack_hosts_still_count_when_the_api_url_is_a_fake() -> None:
    assert may_send_token("https://files.slack.com/a.png", api_url=FAKE_API)
