"""Every failure the bot explains to a person, one class per kind.

The tree::

    BotError                      retryable: may the same work succeed later?
    ├── UpstreamError             service (nhn | nts | slack), code, http_status
    │   ├── Timeout               retryable
    │   ├── ConnectionFailed      retryable
    │   ├── RateLimited           retryable; retry_after_s
    │   ├── Unavailable           retryable
    │   ├── AuthenticationFailed
    │   ├── Refused               the service refused the request as made
    │   └── BadResponse           an answer the bot cannot use
    ├── InputError                the file or text a person gave cannot be used
    │   ├── EmptyFile
    │   ├── UnsupportedFileType   document: what the file was for, if known
    │   ├── FileTooLarge          limit_bytes
    │   ├── PasswordProtectedPdf
    │   ├── UnreadableImage
    │   │   └── TooManyPixels     megapixels; width, height
    │   ├── UnreadablePdf
    │   ├── FileGone              deleted, or no longer shared
    │   ├── NotDownloadable       reason: why the bot did not fetch it
    │   ├── MalformedBusinessNumber
    │   └── NumberListError       problem, line, limit: a CSV of numbers
    └── RecognitionError          the file was read; what was wanted is not in it
        ├── NotACertificate
        ├── NumberNotRegistered
        ├── CardNotFound
        └── NotRecognised         document

`document` (on UnsupportedFileType and NotRecognised) is one field mixed into both
kinds. The upstream is a field, not a class: a timeout is a `Timeout` whether NHN or NTS
was slow. Errors carry codes and facts, never prose: `str(error)` is for logs (it
never holds credentials, URLs or card digits), and what a person reads comes from
`bot.blocks.errors.explain`.
"""

from enum import StrEnum
from typing import ClassVar


class Service(StrEnum):
    NHN = "nhn"  # NHN Cloud Document OCR and its token endpoint
    NTS = "nts"  # the National Tax Service API on data.go.kr
    SLACK = "slack"


class BotError(Exception):
    """Base of the tree. Subclasses set whether they are usually retryable."""

    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        detail: str,
        *,
        code: int | str | None = None,
        http_status: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code  # what the service or the rule named the failure
        self.http_status = http_status
        self.retryable = self.default_retryable if retryable is None else retryable

    def __str__(self) -> str:
        facts = [f"code={self.code}"] if self.code is not None else []
        if self.http_status is not None:
            facts.append(f"http={self.http_status}")
        return f"{self.detail} [{', '.join(facts)}]" if facts else self.detail


class _AboutADocument(BotError):
    """A failure whose explanation depends on what the file was uploaded as.

    Mixed in before the kind's own base, so the tree above stays the one by kind.
    """

    def __init__(
        self,
        detail: str,
        *,
        document: str | None = None,
        code: int | str | None = None,
        http_status: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(detail, code=code, http_status=http_status, retryable=retryable)
        self.document = document  # "business" or "card", if known


class UpstreamError(BotError):
    """A service the bot calls failed, or refused, or answered nonsense."""

    def __init__(
        self,
        detail: str,
        *,
        service: Service,
        code: int | str | None = None,
        http_status: int | None = None,
        retryable: bool | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(detail, code=code, http_status=http_status, retryable=retryable)
        self.service = service
        self.retry_after_s = retry_after_s  # what the service asked the bot to wait


class Timeout(UpstreamError):
    default_retryable = True


class ConnectionFailed(UpstreamError):
    default_retryable = True


class RateLimited(UpstreamError):
    default_retryable = True


class Unavailable(UpstreamError):
    default_retryable = True


class AuthenticationFailed(UpstreamError):
    """The bot's credentials, or its access to the service, were refused: a setting to fix."""


class Refused(UpstreamError):
    """The service refused the request as made; `code` says why."""


class BadResponse(UpstreamError):
    """An answer the bot cannot use: no result header, a missing field, HTML for a file."""


class InputError(BotError):
    """The file or text a person gave cannot be used as it is."""


class EmptyFile(InputError):
    pass


class UnsupportedFileType(_AboutADocument, InputError):
    pass


class FileTooLarge(InputError):
    def __init__(
        self,
        detail: str,
        *,
        limit_bytes: int,
        code: int | str | None = None,
        http_status: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(detail, code=code, http_status=http_status, retryable=retryable)
        self.limit_bytes = limit_bytes


class PasswordProtectedPdf(InputError):
    pass


class UnreadableImage(InputError):
    pass


class TooManyPixels(UnreadableImage):
    """More pixels than the bot decodes: `megapixels` is the most it takes, and
    `width`/`height` are set when the image is refused for the memory it would need."""

    def __init__(
        self, detail: str, *, megapixels: int, width: int | None = None, height: int | None = None
    ) -> None:
        super().__init__(detail)
        self.megapixels = megapixels
        self.width = width
        self.height = height


class UnreadablePdf(InputError):
    pass


class FileGone(InputError):
    pass


class DownloadRefusal(StrEnum):
    EXTERNAL = "external"  # a link to a file stored elsewhere: no download URL
    FOREIGN_HOST = "foreign_host"  # its download URL is not on a Slack host


class NotDownloadable(InputError):
    def __init__(self, detail: str, *, reason: DownloadRefusal) -> None:
        super().__init__(detail, code=reason.value)
        self.reason = reason


class MalformedBusinessNumber(InputError):
    pass


class NumberListProblem(StrEnum):
    EMPTY = "empty"
    NOT_TEXT = "not_text"
    WORKBOOK = "workbook"
    MALFORMED = "malformed"
    NO_NUMBER_COLUMN = "no_number_column"
    TOO_MANY_ROWS = "too_many_rows"


class NumberListError(InputError):
    """A CSV that cannot give a list of business numbers."""

    def __init__(
        self, problem: NumberListProblem, *, line: int | None = None, limit: int | None = None
    ) -> None:
        super().__init__(f"number list: {problem.value}", code=problem.value)
        self.problem = problem
        self.line = line  # where a malformed CSV broke
        self.limit = limit  # the most rows a file may have


class RecognitionError(BotError):
    """The file was read, but what the bot was asked to find is not in it."""


class NotACertificate(RecognitionError):
    pass


class NumberNotRegistered(RecognitionError):
    pass


class CardNotFound(RecognitionError):
    pass


class NotRecognised(_AboutADocument, RecognitionError):
    pass
