"""Document analysis and status lookups, shared by the CLI and the Slack app."""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.config import Settings, StatusProviderName
from bot.domain import bizno, certificate
from bot.domain.authenticity import details_of
from bot.domain.card import CardNumber, Expiry, parse_expiry
from bot.domain.certificate import Certificate
from bot.errors import BotError, UnreadablePdf
from bot.ocr import CardResult, DocumentKind, OcrClient
from bot.ocr.models import FileType
from bot.ocr.pdf import PdfPages, page_count, pdf_pages
from bot.ocr.preflight import sniff
from bot.redaction import redacted_copy
from bot.services.authenticity import Authenticity, AuthenticityChecker
from bot.services.status import NhnStatusProvider, RateLimiter, StatusService
from bot.services.status import StatusCheck as StatusCheck


@dataclass(frozen=True, slots=True)
class RecognisedNumber:
    """The registration number read from a certificate, as far as it can be trusted."""

    text: str  # as shown: XXX-XX-XXXXX when it has ten digits, else what OCR read
    digits: str | None  # ten digits when the length is right
    checksum_ok: bool
    # Whether a tax office could have issued it (`bizno.possible`): only then is it
    # looked up, verified or offered to watch.
    possible: bool = True

    @property
    def usable(self) -> str | None:
        """The digits worth a lookup: ten, of a number a tax office could issue."""
        return self.digits if self.possible else None


@dataclass(frozen=True, slots=True)
class CertificateResult:
    """One certificate's results: what was read, its status and its authenticity."""

    certificate: Certificate
    number: RecognisedNumber | None
    status: StatusCheck | None
    status_error: BotError | None  # the lookup failed although the document was read
    low_resolution: bool
    authenticity: Authenticity | None = None  # None: not checked (no key, or no number)
    page: int | None = None  # its page in a multi-page PDF


@dataclass(frozen=True, slots=True)
class BusinessAnalysis:
    """A certificate read, or every certificate of a PDF: the first one's results are
    the fields here, the others (in page order) are in `more`."""

    certificate: Certificate
    number: RecognisedNumber | None
    status: StatusCheck | None
    status_error: BotError | None  # the lookup failed although the document was read
    low_resolution: bool
    # A multi-page PDF: what each page read held, which one is shown, how many there are.
    pages: tuple["PageReading", ...] = ()
    shown_page: int | None = None
    pages_total: int = 0
    authenticity: Authenticity | None = None
    more: tuple[CertificateResult, ...] = ()
    # No NTS_SERVICE_KEY: the reply says once that authenticity was not checked.
    authenticity_off: bool = False

    @property
    def results(self) -> tuple[CertificateResult, ...]:
        """Every certificate's results, the first one included, in page order."""
        first = CertificateResult(
            certificate=self.certificate,
            number=self.number,
            status=self.status,
            status_error=self.status_error,
            low_resolution=self.low_resolution,
            authenticity=self.authenticity,
            page=self.shown_page,
        )
        return (first, *self.more)


@dataclass(frozen=True, slots=True)
class PageReading:
    page: int  # from 1
    fields: int
    has_number: bool
    error: BotError | None = None


@dataclass(frozen=True, slots=True)
class CardAnalysis:
    number: CardNumber | None
    expiry: Expiry | None
    expired: bool | None
    low_resolution: bool
    redacted_image: bytes | None = None  # the photo with all but the last four digits covered


Analysis = BusinessAnalysis | CardAnalysis


def recognise_number(raw: str | None) -> RecognisedNumber | None:
    """Interpret the 등록번호 value OCR returned.

    >>> recognise_number("220-81-62517")
    RecognisedNumber(text='220-81-62517', digits='2208162517', checksum_ok=True, possible=True)
    >>> recognise_number("123-45-67890").checksum_ok
    False
    >>> recognise_number("12-345")
    RecognisedNumber(text='12-345', digits=None, checksum_ok=False, possible=True)
    >>> recognise_number("101-81-00001").usable is None  # serial 0000: no tax office's
    True
    """
    if raw is None or not raw.strip():
        return None
    try:
        text = bizno.format(raw)
    except bizno.InvalidBusinessNumber:
        return RecognisedNumber(text=raw.strip(), digits=None, checksum_ok=False)
    digits = bizno.compact(raw)
    try:
        bizno.possible(digits)
    except bizno.InvalidBusinessNumber:
        return RecognisedNumber(text, digits, checksum_ok=False, possible=False)
    return RecognisedNumber(text=text, digits=digits, checksum_ok=bizno.checksum_ok(digits))


def read_card(result: CardResult, today: date) -> CardAnalysis:
    number = None
    if result.total_card_num is not None:
        try:
            number = CardNumber(result.total_card_num.get_secret_value())
        except ValueError:
            number = None
    expiry = parse_expiry(result.valid_thru.value) if result.valid_thru else None
    return CardAnalysis(
        number=number,
        expiry=expiry,
        expired=expiry.is_expired(today) if expiry else None,
        low_resolution=result.low_resolution,
    )


class AnalysisService:
    """Reads documents through OCR, looks statuses up through `status` and checks
    certificates' authenticity through `authenticity`.

    Without `status` (a process with no store) lookups go to NHN, uncached; without
    `authenticity`, certificates are not checked.
    """

    def __init__(
        self,
        ocr: OcrClient,
        settings: Settings,
        *,
        status: StatusService | None = None,
        authenticity: AuthenticityChecker | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._ocr = ocr
        self._settings = settings
        self._clock = clock
        self._authenticity = authenticity or AuthenticityChecker(None)
        self._status = status or StatusService(
            NhnStatusProvider(ocr),
            None,
            cache_ttl=timedelta(0),
            limiter=RateLimiter(settings.status_rate_per_s),
            clock=clock,
        )

    async def analyze(self, kind: DocumentKind, image: bytes, filename: str) -> Analysis:
        if kind is DocumentKind.CARD:
            return await self.analyze_card(image, filename)
        return await self.analyze_business(image, filename)

    async def analyze_business(self, image: bytes, filename: str) -> BusinessAnalysis:
        """Read a certificate. NHN reads only the first page of a PDF, so each page of a
        longer PDF is sent as an image (up to MAX_PDF_PAGES); every page holding a
        registration number gets its own results, and the reply says what each page held."""
        pages = await self._multi_page_pdf(image)
        if pages is None:
            cert, low_resolution = await self._read_certificate(image, filename)
            [result] = await self._complete([(None, cert, low_resolution)])
            return self._analysis([result])
        readings: list[PageReading] = []
        read: list[tuple[int | None, Certificate, bool]] = []
        first_error: BotError | None = None
        for page, data in enumerate(pages.pages, start=1):
            try:
                cert, low_resolution = await self._read_certificate(data, f"page-{page}")
            except BotError as error:
                if error.retryable:
                    # NHN itself is failing (slow, busy), not this page: the next pages would
                    # cost their calls and deadlines for the same answer.
                    raise
                first_error = first_error or error
                readings.append(PageReading(page, 0, has_number=False, error=error))
                continue
            has_number = cert.registration_number is not None
            readings.append(PageReading(page, len(cert.readings), has_number=has_number))
            read.append((page, cert, low_resolution))
        if not read:  # every page failed
            raise first_error or UnreadablePdf("pdf: no page could be read")
        with_number = [item for item in read if item[1].registration_number is not None]
        results = await self._complete(with_number or read[:1])
        return dataclasses.replace(
            self._analysis(results), pages=tuple(readings), pages_total=pages.total
        )

    def _analysis(self, results: list[CertificateResult]) -> BusinessAnalysis:
        first, *more = results
        return BusinessAnalysis(
            certificate=first.certificate,
            number=first.number,
            status=first.status,
            status_error=first.status_error,
            low_resolution=first.low_resolution,
            shown_page=first.page,
            authenticity=first.authenticity,
            more=tuple(more),
            authenticity_off=not self._authenticity.enabled,
        )

    async def _complete(
        self, read: list[tuple[int | None, Certificate, bool]]
    ) -> list[CertificateResult]:
        """Each certificate's number, authenticity and status, asked in as few calls as can be.

        With STATUS_PROVIDER=nts a matching certificate's status comes from the
        authenticity answer; the others are looked up together. A number whose check
        digit fails is looked up too: the reply warns about it, and NTS is the judge.
        """
        numbers = [recognise_number(cert.registration_number) for _, cert, _ in read]
        checks = await self.check_authenticity([cert for _, cert, _ in read], numbers)
        statuses: dict[int, StatusCheck | BotError] = {}
        from_validate = self._status.provider_name == StatusProviderName.NTS.value
        for index, answer in enumerate(checks):
            if from_validate and answer is not None and answer.status is not None:
                statuses[index] = await self._status.record(
                    answer.status.b_no, answer.status.status
                )
        wanted = {
            index: number.usable
            for index, number in enumerate(numbers)
            if number is not None and number.usable is not None and index not in statuses
        }
        if wanted:
            looked_up = await self.check_statuses(list(dict.fromkeys(wanted.values())))
            by_number = dict(zip(dict.fromkeys(wanted.values()), looked_up, strict=True))
            statuses.update({index: by_number[digits] for index, digits in wanted.items()})
        results = []
        for index, (page, cert, low_resolution) in enumerate(read):
            status = statuses.get(index)
            results.append(
                CertificateResult(
                    certificate=cert,
                    number=numbers[index],
                    status=status if isinstance(status, StatusCheck) else None,
                    status_error=status if isinstance(status, BotError) else None,
                    low_resolution=low_resolution,
                    authenticity=checks[index],
                    page=page,
                )
            )
        return results

    async def check_authenticity(
        self, certificates: list[Certificate], numbers: list[RecognisedNumber | None]
    ) -> list[Authenticity | None]:
        """Each certificate's authenticity; None where it has no number or checks are off."""
        wanted = [
            index
            for index, number in enumerate(numbers)
            if number is not None and number.usable is not None
        ]
        if not self._authenticity.enabled or not wanted:
            return [None] * len(certificates)
        answers = await self._authenticity.check_many(
            [details_of(certificates[index]) for index in wanted]
        )
        found: list[Authenticity | None] = [None] * len(certificates)
        for index, answer in zip(wanted, answers, strict=True):
            found[index] = answer
        return found

    async def _multi_page_pdf(self, image: bytes) -> PdfPages | None:
        """The rendered pages of a PDF with more than one page; None otherwise, or when
        PDFium cannot read it (NHN then judges the file as it is)."""
        if sniff(image) is not FileType.PDF:
            return None
        try:
            if await self._ocr.image_work.run(page_count, image) <= 1:
                return None
            return await self._ocr.image_work.run(
                pdf_pages,
                image,
                self._settings.max_pdf_pages,
                self._settings.ocr_max_upload_bytes,
                self._ocr.image_work.budget,
            )
        except UnreadablePdf:
            return None

    async def _read_certificate(self, image: bytes, filename: str) -> tuple[Certificate, bool]:
        result = await self._ocr.business(image, filename)
        cert = certificate.normalize(result.key_values, self._settings.low_confidence_threshold)
        return cert, result.low_resolution

    async def analyze_card(self, image: bytes, filename: str) -> CardAnalysis:
        result = await self._ocr.credit_card(image, filename)
        analysis = read_card(result, self._clock().date())
        if analysis.number is None:
            return analysis
        redacted = await self._ocr.image_work.run(
            redacted_copy, result, self._ocr.image_work.budget
        )
        return dataclasses.replace(analysis, redacted_image=redacted)

    async def check_status(self, number: str, *, fresh: bool = False) -> StatusCheck:
        """Look up one valid ten-digit number; from the cache unless `fresh`.

        Raises the BotError (an upstream failure, a file that cannot be read, ...) that kept it
        from an answer.
        """
        return await self._status.check(number, fresh=fresh)

    async def check_statuses(
        self, numbers: list[str], *, fresh: bool = False
    ) -> list[StatusCheck | BotError]:
        """Look up several numbers at once; each answer or its error, in order."""
        results = await self._status.check_many(numbers, fresh=fresh)
        return [results[number] for number in numbers]

    async def last_known_statuses(self, numbers: list[str]) -> dict[str, StatusCheck]:
        """The last status recorded for each number the store knows, without a lookup."""
        return await self._status.last_known(numbers)
