"""The app factory: builds the services once and wires the Bolt listeners to them."""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

import handlers
from bot.config import Settings
from bot.ocr import OcrClient
from bot.services.analysis import AnalysisService
from bot.services.audit import Auditor
from bot.services.authenticity import AuthenticityChecker
from bot.services.bizstatus import BizstatusService
from bot.services.bulk import BulkCheckService
from bot.services.corrections import CorrectionService
from bot.services.home import HomeService
from bot.services.job_runner import JobRunner, worker_name
from bot.services.notifier import TeamNotifier
from bot.services.status import StatusService
from bot.services.uploads.intake import UploadIntake
from bot.services.uploads.job import UploadJobPerformer
from bot.services.watchlist import WatchlistService
from bot.slack.client import MaskingAck, MaskingRespond, create_web_client, open_http_session
from bot.slack.files import SlackFileDownloader
from bot.store import ClaimedJob, Store

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    settings: Settings
    client: AsyncWebClient
    store: Store
    ocr: OcrClient
    downloader: SlackFileDownloader
    status: StatusService
    authenticity: AuthenticityChecker
    analysis: AnalysisService
    auditor: Auditor
    notifier: TeamNotifier
    uploads: UploadIntake
    jobs: JobRunner[ClaimedJob]  # upload jobs: the runtime's worker starts and stops them
    bizstatus: BizstatusService
    watchlist: WatchlistService
    home: HomeService
    bulk: BulkCheckService
    corrections: CorrectionService

    @classmethod
    async def start(
        cls, settings: Settings, *, clock: Callable[[], datetime] = utc_now
    ) -> "Services":
        """Open the store (applying migrations) and build every service."""
        settings.check_status_provider()  # before anything is opened
        store = await Store.open(settings.database_url)
        client = create_web_client(settings, session=open_http_session())
        ocr = OcrClient(settings)
        downloader = SlackFileDownloader(
            client, api_url=settings.slack_api_url, max_bytes=settings.file_max_bytes
        )
        status = StatusService.from_settings(
            settings, ocr=ocr, history=store.statuses, rate_slots=store.rate_slots, clock=clock
        )
        authenticity = AuthenticityChecker.from_settings(settings)
        analysis = AnalysisService(
            ocr, settings, status=status, authenticity=authenticity, clock=clock
        )
        auditor = Auditor(store.audit, clock=clock)
        notifier = TeamNotifier(client, store, settings, clock=clock)
        worker_id = worker_name()
        watchlist = WatchlistService(
            store=store,
            status=status,
            client=client,
            auditor=auditor,
            settings=settings,
            clock=clock,
            worker_id=worker_id,
        )
        bulk = BulkCheckService(
            client=client,
            downloader=downloader,
            status=status,
            notifier=notifier,
            watchlist=watchlist,
            auditor=auditor,
            settings=settings,
            clock=clock,
            authenticity=authenticity,
        )
        performer = UploadJobPerformer(
            client=client,
            store=store,
            analysis=analysis,
            downloader=downloader,
            notifier=notifier,
            bulk=bulk,
            auditor=auditor,
            settings=settings,
            clock=clock,
            worker_id=worker_id,
        )
        jobs = JobRunner[ClaimedJob](
            store,
            performer.perform,
            worker_id=worker_id,
            slots=settings.job_concurrency,
            lease=settings.job_lease,
            clock=clock,
        )
        uploads = UploadIntake(
            client=client,
            store=store,
            downloader=downloader,
            runner=jobs,
            performer=performer,
            settings=settings,
            clock=clock,
        )
        return cls(
            settings=settings,
            client=client,
            store=store,
            ocr=ocr,
            downloader=downloader,
            status=status,
            authenticity=authenticity,
            analysis=analysis,
            auditor=auditor,
            notifier=notifier,
            uploads=uploads,
            jobs=jobs,
            bizstatus=BizstatusService(
                analysis, notifier, watchlist, settings, auditor=auditor, client=client
            ),
            watchlist=watchlist,
            home=HomeService(
                client=client,
                store=store,
                status=status,
                watchlist=watchlist,
                auditor=auditor,
                settings=settings,
            ),
            bulk=bulk,
            corrections=CorrectionService(
                client=client, checker=authenticity, notifier=notifier, settings=settings
            ),
        )

    async def aclose(self) -> None:
        await self.downloader.aclose()
        await self.status.aclose()
        await self.authenticity.aclose()
        await self.ocr.aclose()
        await self.store.close()
        if self.client.session is not None:
            await self.client.session.close()


def create_app(services: Services) -> AsyncApp:
    settings = services.settings
    signing_secret = settings.slack_signing_secret
    app = AsyncApp(
        client=services.client,
        signing_secret=signing_secret.get_secret_value() if signing_secret else "",
        logger=logging.getLogger("slack_bolt"),
    )

    async def mask_what_listeners_send(
        context: AsyncBoltContext, next_: Callable[[], Awaitable[None]]
    ) -> None:
        """A listener's `client` (and so `say`), `ack` and `respond` mask card numbers too:
        Bolt would otherwise hand it a plain client of its own."""
        context["client"] = services.client
        context["ack"] = MaskingAck()
        if context.response_url is not None:
            context["respond"] = MaskingRespond(
                response_url=context.response_url,
                proxy=services.client.proxy,
                ssl=services.client.ssl,
            )
        await next_()

    app.use(mask_what_listeners_send)
    handlers.register(app, services)
    return app
