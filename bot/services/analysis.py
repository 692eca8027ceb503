"""Document analysis: reads certificates and cards through OCR, and completes each
certificate with its status and authenticity. Shared by the CLI and the Slack app."""

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime

from bot.config import Settings, StatusProviderName
from bot.domain import certificate
from bot.domain.analysis import (
    Analysis,
    BusinessAnalysis,
    CardAnalysis,
    CertificateResult,
    PageReading,
    RecognisedNumber,
    recognise_number,
)
from bot.domain.authenticity import Authenticity, details_of
from bot.domain.card import CardNumber, parse_expiry
from bot.domain.certificate import Certificate
from bot.domain.status import StatusCheck
from bot.errors import BotError, UnreadablePdf
from bot.ocr import CardResult, DocumentKind, OcrClient
from bot.ocr.models import FileType
from bot.ocr.pdf import PdfPages, page_count, pdf_pages
from bot.ocr.preflight import sniff
from bot.ocr.redaction import redacted_copy
from bot.services.authenticity import AuthenticityChecker
from bot.services.status import StatusService


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

    Without `authenticity`, certificates are not checked.
    """

    def __init__(
        self,
        ocr: OcrClient,
        settings: Settings,
        *,
        status: StatusService,
        authenticity: AuthenticityChecker | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._ocr = ocr
        self._settings = settings
        self._clock = clock
        self._authenticity = authenticity or AuthenticityChecker(None)
        self._status = status

    @property
    def documents_at_once(self) -> int:
        """How many documents it works on at once without one waiting for another: the
        NHN calls in flight, and one more being prepared on each image thread."""
        return self._settings.ocr_concurrency + self._ocr.image_work.slots

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
        return BusinessAnalysis.of(results, authenticity_off=not self._authenticity.enabled)

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
                matched = answer.details.number  # a match was asked about with its number
                if matched is not None:
                    statuses[index] = await self._status.record(matched, answer.status)
        wanted = {
            index: number.usable
            for index, number in enumerate(numbers)
            if number is not None and number.usable is not None and index not in statuses
        }
        if wanted:
            by_number = await self._status.check_many(list(wanted.values()))
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
