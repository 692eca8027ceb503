"""The App Home tab: what the workspace watches, kept current as people act on it."""

import logging
from collections.abc import Sequence
from dataclasses import replace

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.home import (
    HOME_PAGE,
    RECENT_CHANGES,
    home_view,
    page_number,
    search_text,
    shown_view,
)
from bot.config import Settings
from bot.domain import bizno
from bot.errors import BotError
from bot.services.audit import Auditor
from bot.services.status import StatusService
from bot.services.watchlist import WatchlistService
from bot.store import Store
from bot.store.watches import Watch

log = logging.getLogger(__name__)


class HomeService:
    def __init__(
        self,
        *,
        client: AsyncWebClient,
        store: Store,
        status: StatusService,
        watchlist: WatchlistService,
        auditor: Auditor,
        settings: Settings,
    ) -> None:
        self._client = client
        self._store = store
        self._status = status
        self._watchlist = watchlist
        self._auditor = auditor
        self._lang = settings.language

    async def publish(self, team_id: str, user_id: str) -> None:
        """Show `user_id` the first page of the workspace's Home tab as it is now
        (views.publish), unfiltered: the tab opened, or its filter cleared."""
        await self._publish(team_id, user_id, 1, "", failed_recheck=None)

    async def turn_page(self, team_id: str, user_id: str, page: str, shown: str) -> None:
        """The Previous and Next buttons: page `page` of the tab, keeping the filter of
        the view clicked in (`shown`, its private_metadata).

        Both can be forged: anything but a page number shows the first page, a number
        past the last the last page; a filter the bot did not write, none.
        """
        _, search = shown_view(shown)
        await self._publish(team_id, user_id, page_number(page), search, failed_recheck=None)

    async def search(self, team_id: str, user_id: str, text: str) -> None:
        """The filter, on Enter: the first page of the watches whose number holds the
        digits of `text`, or whose label holds it (as `/bizstatus list <search>`)."""
        await self._publish(team_id, user_id, 1, search_text(text), failed_recheck=None)

    async def recheck(self, team_id: str, user_id: str, number_text: str, shown: str) -> None:
        """The Re-check button: a fresh lookup of a watched number, then the tab again,
        at the page and filter it was clicked on (`shown`, the view's private_metadata).

        A number the team does not watch (the tab was stale, or the button's
        value forged) is not looked up: each lookup may be paid for.
        """
        failed: tuple[str, BotError] | None = None
        number = _number_or_none(number_text)
        if number is not None and await self._store.watches.get(team_id, number) is not None:
            try:
                check = await self._status.check(number, fresh=True)
                outcome = check.status.value
            except BotError as error:
                failed = (number, error)
                outcome = f"failed: {type(error).__name__}"
            await self._auditor.record(
                team_id=team_id, user_id=user_id, action="recheck", subject=number, outcome=outcome
            )
        await self._publish(team_id, user_id, *shown_view(shown), failed_recheck=failed)

    async def unwatch(self, team_id: str, user_id: str, number_text: str, shown: str) -> None:
        """The Unwatch button (after its confirmation): stop watching, then the tab again,
        at the page and filter it was clicked on."""
        # The watchlist's answer is for a chat reply; here the tab itself shows the result.
        await self._watchlist.unwatch(team_id, number_text, user_id=user_id)
        await self._publish(team_id, user_id, *shown_view(shown), failed_recheck=None)

    async def _publish(
        self,
        team_id: str,
        user_id: str,
        page: int,
        search: str,
        *,
        failed_recheck: tuple[str, BotError] | None,
    ) -> None:
        # The filter is the one `/bizstatus list <search>` uses: the same store query.
        found = await self._watchlist.page(team_id, search=search, number=page, size=HOME_PAGE)
        # Ordered by the status the watch holds; the newer one from the history is shown.
        found = replace(found, watches=await self._with_latest_status(found.watches))
        watched = await self._store.watches.count(team_id) if search else None
        changes = await self._store.watches.recent_changes(team_id, limit=RECENT_CHANGES)
        view = home_view(
            found,
            changes,
            self._lang,
            search=search,
            watched=watched,
            failed_recheck=failed_recheck,
        )
        try:
            await self._client.views_publish(user_id=user_id, view=view)
        except SlackApiError as error:
            log.error(
                "Could not publish the Home tab for user %s in team %s: %s",
                user_id,
                team_id,
                error.response.get("error"),
            )

    async def _with_latest_status(self, watches: Sequence[Watch]) -> list[Watch]:
        """Each watch with the newest status known for its number.

        A Re-check, or anyone's lookup of the same number, lands in the status
        history, not on the watch (the scheduler updates the watch on its next
        pass, and records the change then): the tab shows the newer of the two.
        """
        if not watches:
            return []
        since = min(watch.last_checked_at or watch.created_at for watch in watches)
        latest = await self._store.statuses.latest_many(
            [watch.business_number for watch in watches], since=since
        )
        current = []
        for watch in watches:
            found = latest.get(watch.business_number)
            if found is not None and (
                watch.last_checked_at is None or found[1] > watch.last_checked_at
            ):
                code, checked_at = found
                watch = replace(watch, last_status_code=code, last_checked_at=checked_at)
            current.append(watch)
        return current


def _number_or_none(text: str) -> str | None:
    # Possible, not valid: a number whose check digit differs may be watched anyway.
    try:
        return bizno.possible(text)
    except bizno.InvalidBusinessNumber:
        return None
