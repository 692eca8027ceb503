import pytest
from slack_sdk.web.async_client import AsyncWebClient

from fakes.slack import BOT_TOKEN, FakeSlack


@pytest.fixture
def slack_client(fake_slack: FakeSlack) -> AsyncWebClient:
    """slack_sdk's own client, pointed at the fake as the app's will be."""
    return AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
