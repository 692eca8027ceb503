"""Document analysis and status lookups, shared by the CLI and the Slack app."""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.config import Settings
from bot.domain import bizno, certificate
from bot.domain.card import CardNumber, Expiry, parse_expiry
from bot.domain.certificate import Certificate
from bot.errors import UserFacingError
from bot.ocr import CardResult, DocumentKind, OcrClient
from bot.ocr.errors import PdfUnreadable
from bot.ocr.models import FileType
from bot.ocr.pdf import PdfPages, page_count, pdf_pages
from bot.ocr.preflight import sniff
from bot.redaction import redacted_copy
from bot.services.status import NhnStatusProvider, RateLimiter, StatusService
from bot.services.status import StatusCheck as StatusCheck


@dataclass(frozen=True, slots=True)
class RecognisedNumber:
    """The registration number read from a certificate, as far as it can be trusted."""

    text: str  # as shown: XXX-XX-XXXXX when it has ten digits, else what OCR read
    digits: str | None  # ten digits when the length is right
    checksum_ok: bool


@dataclass(frozen=True, slots=True)
class BusinessAnalysis:
    certificate: Certificate
    number: RecognisedNumber | None
    status: StatusCheck | None
    status_error: UserFacingError | None  # the lookup failed although the document was read
    low_resolution: bool
    # A multi-page PDF: what each page read held, which one is shown, how many there are.
    pages: tuple["PageReading", ...] = ()
    shown_page: int | None = None
    pages_total: int = 0


@dataclass(frozen=True, slots=True)
class PageReading:
    page: int  # from 1
    fields: int
    has_number: bool
    error: UserFacingError | None = None


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
    RecognisedNumber(text='220-81-62517', digits='2208162517', checksum_ok=True)
    >>> recognise_number("123-45-67890").checksum_ok
    False
    >>> recognise_number("12-345")
    RecognisedNumber(text='12-345', digits=None, checksum_ok=False)
    """
    if raw is None or not raw.strip():
        return None
    try:
        text = bizno.format(raw)
    except bizno.InvalidBusinessNumber:
        return RecognisedNumber(text=raw.strip(), digits=None, checksum_ok=False)
    digits = bizno.compact(raw)
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
    """Reads documents through OCR and looks statuses up through `status`.

    Without `status` (a process with no store) lookups go to NHN, uncached.
    """

    def __init__(
        self,
        ocr: OcrClient,
        settings: Settings,
        *,
        status: StatusService | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._ocr = ocr
        self._settings = settings
        self._clock = clock
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
        longer PDF is sent as an image (up to MAX_PDF_PAGES); the page holding the
        registration number is the one shown, and the reply says what each page held."""
        pages = await self._multi_page_pdf(image)
        if pages is None:
            cert, low_resolution = await self._read_certificate(image, filename)
            return await self._with_status(cert, low_resolution)
        readings: list[PageReading] = []
        best: tuple[int, Certificate, bool] | None = None
        first_error: UserFacingError | None = None
        for page, data in enumerate(pages.pages, start=1):
            try:
                cert, low_resolution = await self._read_certificate(data, f"page-{page}")
            except UserFacingError as error:
                first_error = first_error or error
                readings.append(PageReading(page, 0, has_number=False, error=error))
                continue
            has_number = cert.registration_number is not None
            readings.append(PageReading(page, len(cert.readings), has_number=has_number))
            if best is None or (has_number and best[1].registration_number is None):
                best = (page, cert, low_resolution)
        if best is None:  # every page failed
            raise first_error or PdfUnreadable("pdf: no page could be read")
        shown_page, cert, low_resolution = best
        analysis = await self._with_status(cert, low_resolution)
        return dataclasses.replace(
            analysis, pages=tuple(readings), shown_page=shown_page, pages_total=pages.total
        )

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
        except PdfUnreadable:
            return None

    async def _read_certificate(self, image: bytes, filename: str) -> tuple[Certificate, bool]:
        result = await self._ocr.business(image, filename)
        cert = certificate.normalize(result.key_values, self._settings.low_confidence_threshold)
        return cert, result.low_resolution

    async def _with_status(self, cert: Certificate, low_resolution: bool) -> BusinessAnalysis:
        number = recognise_number(cert.registration_number)
        status, status_error = None, None
        if number is not None and number.digits is not None and number.checksum_ok:
            try:
                status = await self.check_status(number.digits)
            except UserFacingError as error:
                status_error = error
        return BusinessAnalysis(
            certificate=cert,
            number=number,
            status=status,
            status_error=status_error,
            low_resolution=low_resolution,
        )

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

        Raises the UserFacingError (OcrError, NtsError, ...) that kept it from an answer.
        """
        return await self._status.check(number, fresh=fresh)

    async def check_statuses(
        self, numbers: list[str], *, fresh: bool = False
    ) -> list[StatusCheck | UserFacingError]:
        """Look up several numbers at once; each answer or its error, in order."""
        results = await self._status.check_many(numbers, fresh=fresh)
        return [results[number] for number in numbers]
