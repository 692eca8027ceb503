"""GET /health tells a load balancer the bot is up, without Slack's signature."""

import httpx

from tests.handlers.conftest import RunningBot


async def test_health_answers_200_json(bot: RunningBot) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(bot.runtime.url + "/health")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    report = response.json()
    assert report["ok"] is True
    assert report["mode"] == "http"
    assert bot.slack.calls == []
