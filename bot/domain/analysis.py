"""What reading a document found: a certificate's number, status and authenticity per
page, or a card's number and expiry."""

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain import bizno
from bot.domain.authenticity import Authenticity
from bot.domain.card import CardNumber, Expiry
from bot.domain.certificate import Certificate
from bot.domain.status import StatusCheck
from bot.errors import BotError


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

    @classmethod
    def of(
        cls, results: Sequence[CertificateResult], *, authenticity_off: bool
    ) -> "BusinessAnalysis":
        """The analysis whose `results` are `results`: the inverse of that property."""
        first, *more = results
        return cls(
            certificate=first.certificate,
            number=first.number,
            status=first.status,
            status_error=first.status_error,
            low_resolution=first.low_resolution,
            shown_page=first.page,
            authenticity=first.authenticity,
            more=tuple(more),
            authenticity_off=authenticity_off,
        )

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
