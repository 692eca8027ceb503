"""The HTTP server, served on the receiver's loop (bot.receiver): POST /slack/events when
Slack sends requests over HTTP, and GET /health, /ready and /metrics always.
"""

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot import metrics
from bot.receiver import MainLoop
from bot.slack.acks import answered_empty_at_once
from bot.slack.requests import RecentSignatures, ReplayGuard, read_request, signature_problem

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


@dataclass(frozen=True)
class SlackEndpoint:
    """What POST /slack/events needs: the signing secret and this process's memory of
    signatures (both read on the receiver's loop); the main loop, and there the shared
    replay record and the Bolt app."""

    signing_secret: str
    recent: RecentSignatures
    main: MainLoop
    replays: ReplayGuard
    bolt: AsyncApp

    async def dispatch(
        self, request: AsyncBoltRequest, signature: str, timestamp: int, *, answered: bool
    ) -> BoltResponse:
        """On the main loop: Bolt's answer, unless another process took the request in first
        (then an empty 200, and nothing done). `answered`: Slack has its answer already."""
        if not await self.replays.first_time(signature, timestamp, answered=answered):
            log.warning("Ignored a replayed request to %s", EVENTS_PATH)  # taken in elsewhere
            return BoltResponse(status=200, body="")
        return await self.bolt.async_dispatch(request)


def create_web_app(
    slack: SlackEndpoint | None,
    *,
    health: Callable[[], Awaitable[dict[str, Any]]],
    ready: Callable[[], Awaitable[dict[str, Any]]],
    measure: Callable[[], Awaitable[None]],
) -> web.Application:
    """GET /health, GET /ready and GET /metrics always; POST /slack/events when Slack sends
    requests over HTTP. Each handler runs on the receiver's loop.

    /health is liveness: 200 while the main loop answers. /ready says whether the process
    can work (Slack, the database), 503 when it cannot, so a load balancer sends it
    nothing until it can. `measure` updates the series read from the store before each
    scrape of /metrics.

    A request Slack did not sign (lately) gets 401, a signed body that is not one Slack
    sends 400, a replay of a request already taken in 200 and nothing done; each with one
    log line that holds nothing of the request. Only then does Bolt read it: on the main
    loop, after Slack has had its empty 200 when bot.slack.acks says that is the answer,
    and before otherwise (Bolt's answer is Slack's).
    """

    async def health_check(_: web.Request) -> web.Response:
        report = await health()
        return web.json_response(report, status=200 if report["ok"] else 503)

    async def ready_check(_: web.Request) -> web.Response:
        report = await ready()
        return web.json_response(report, status=200 if report["ok"] else 503)

    async def metrics_page(_: web.Request) -> web.Response:
        await measure()
        body, content_type = metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})

    web_app = web.Application()
    web_app.add_routes(
        [
            web.get("/health", health_check),
            web.get("/ready", ready_check),
            web.get("/metrics", metrics_page),
        ]
    )
    if slack is not None:
        endpoint = slack

        async def events(request: web.Request) -> web.Response:
            body = await request.read()
            timestamp = request.headers.get("X-Slack-Request-Timestamp")
            signature = request.headers.get("X-Slack-Signature")
            problem = signature_problem(
                endpoint.signing_secret, body, timestamp, signature, now=time.time()
            )
            # (A missing header is a problem too; the None tests are for the type checker.)
            if problem is not None or timestamp is None or signature is None:
                log.warning("Refused a request to %s: %s", EVENTS_PATH, problem)
                return web.json_response({"error": "invalid request"}, status=401)
            bolt_request = read_request(body, query=request.query_string, headers=request.headers)
            if bolt_request is None:
                log.warning("Refused a signed request to %s: not a body Slack sends", EVENTS_PATH)
                return web.json_response({"error": "malformed request"}, status=400)
            if not endpoint.recent.first_time(signature, int(timestamp)):
                log.warning("Ignored a replayed request to %s", EVENTS_PATH)
                return web.Response(status=200)
            answered = answered_empty_at_once(bolt_request.body)
            dispatch = endpoint.dispatch(bolt_request, signature, int(timestamp), answered=answered)
            if answered:
                endpoint.main.hand_over(dispatch)
                return web.Response(status=200)
            return await to_aiohttp_response(await endpoint.main.run(dispatch))

        web_app.add_routes([web.post(EVENTS_PATH, events)])
    return web_app
