"""What goes to NHN Document OCR and what comes back.

Results mirror the API guides field by field (camelCase aliases). Fields the API may
leave out default to empty lists or None, and fields it adds later are kept, except on
card results, where an unknown field could carry card digits and is dropped instead.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Self

from PIL import Image
from pydantic import BaseModel, ConfigDict, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic.alias_generators import to_camel

LOW_RESOLUTION = "low"


class DocumentKind(StrEnum):
    BUSINESS = "business"
    CARD = "card"


class FileType(StrEnum):
    """A file type the bot reads. NHN itself takes only JPEG, PNG and (certificates) PDF."""

    JPEG = "jpeg"
    PNG = "png"
    PDF = "pdf"
    HEIF = "heif"
    WEBP = "webp"
    TIFF = "tiff"
    BMP = "bmp"
    GIF = "gif"

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self]

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self]


_CONTENT_TYPES = {
    FileType.JPEG: "image/jpeg",
    FileType.PNG: "image/png",
    FileType.PDF: "application/pdf",
    FileType.HEIF: "image/heif",
    FileType.WEBP: "image/webp",
    FileType.TIFF: "image/tiff",
    FileType.BMP: "image/bmp",
    FileType.GIF: "image/gif",
}
_EXTENSIONS = {
    FileType.JPEG: ".jpg",
    FileType.PNG: ".png",
    FileType.PDF: ".pdf",
    FileType.HEIF: ".heic",
    FileType.WEBP: ".webp",
    FileType.TIFF: ".tiff",
    FileType.BMP: ".bmp",
    FileType.GIF: ".gif",
}


@dataclass(frozen=True, slots=True)
class ShownCopy:
    """The pixels of an image sent to NHN, reduced to the size a redacted copy is shown at,
    kept from the preflight's decode so that the redaction need not decode it again."""

    pixels: Image.Image = field(repr=False)
    sent_size: tuple[int, int]  # the image NHN read, whose pixels its boxes are in


@dataclass(frozen=True, slots=True)
class PreparedFile:
    """A file ready to send as the multipart field `image`.

    `width` and `height` are the pixels NHN receives, upright (None for a PDF).
    `low_resolution` says they are below NHN's recommendation for the document kind,
    so a reply can warn even when NHN's own `resolution` says normal. `shown_copy`
    is kept for a card the preflight decoded anyway.
    """

    data: bytes = field(repr=False)
    filename: str
    content_type: str
    file_type: FileType
    width: int | None
    height: int | None
    low_resolution: bool
    shown_copy: ShownCopy | None = None


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


class CardApiModel(ApiModel):
    model_config = ConfigDict(extra="ignore")


class KeyValue(ApiModel):
    key: str
    value: str
    conf: float | None = None


class Box(ApiModel):
    x1: float
    y1: float
    x2: float
    y2: float
    x3: float
    y3: float
    x4: float
    y4: float


class _ReadFromImage(BaseModel):
    """A result NHN read from an uploaded image, which the client keeps beside it."""

    resolution: str | None = None
    _sent: PreparedFile | None = PrivateAttr(default=None)

    def keep_sent(self, upload: PreparedFile) -> None:
        self._sent = upload

    @property
    def sent_image(self) -> bytes | None:
        """The image exactly as NHN read it: its boxes are in these pixels."""
        return self._sent.data if self._sent is not None else None

    @property
    def sent_shown_copy(self) -> ShownCopy | None:
        """The image as NHN read it, at the size shown, if the preflight kept it."""
        return self._sent.shown_copy if self._sent is not None else None

    @property
    def low_resolution(self) -> bool:
        """NHN says so, or the image sent was below the size NHN recommends."""
        return self.resolution == LOW_RESOLUTION or (
            self._sent is not None and self._sent.low_resolution
        )


class BusinessResult(ApiModel, _ReadFromImage):
    file_type: str | None = None
    unit_type: str | None = None
    key_values: list[KeyValue] = []
    boxes: list[Box] = []


class StatusResult(ApiModel):
    status_code: str
    status_message: str = ""


class CardNumGroup(CardApiModel):
    value: SecretStr
    conf: float | None = None


class ValueConf(CardApiModel):
    value: str
    conf: float | None = None


class CardResult(CardApiModel, _ReadFromImage):
    file_type: str | None = None
    card_nums: list[CardNumGroup] = []
    total_card_num: SecretStr | None = None
    card_num_boxes: list[Box] = []
    valid_thru: ValueConf | None = None
    valid_thru_box: Box | None = None

    @field_validator("total_card_num", mode="before")
    @classmethod
    def _join_listed_groups(cls, value: Any) -> Any:
        # The guides type totalCardNum as a List while their example shows a string.
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return "".join(value)
        return value

    @model_validator(mode="after")
    def _total_from_groups(self) -> Self:
        if self.total_card_num is None and self.card_nums:
            joined = "".join(group.value.get_secret_value() for group in self.card_nums)
            self.total_card_num = SecretStr(joined)
        return self


class _SealedGroup(CardApiModel):
    value: str
    conf: float | None = None


class SealedCardResult(CardApiModel):
    """A v2.1 card answer: `cardNums[].value`, `totalCardNum` and `validThru.value` are
    ciphertexts under the request's key (Base64); the rest is plain, as in v1.1."""

    file_type: str | None = None
    resolution: str | None = None
    card_nums: list[_SealedGroup] = []
    total_card_num: str | list[str] | None = None
    card_num_boxes: list[Box] = []
    valid_thru: _SealedGroup | None = None
    valid_thru_box: Box | None = None

    def opened(self, open_field: Callable[[str], str]) -> CardResult:
        """The plain result, each sealed field opened by `open_field` straight into a
        SecretStr; raises SealedFieldError naming the field that would not open."""
        total = self.total_card_num
        if isinstance(total, list):  # typed a List by the guides, shown as a string
            total = "".join(_open(open_field, item, "totalCardNum") for item in total)
        elif total is not None:
            total = _open(open_field, total, "totalCardNum")
        valid_thru = self.valid_thru
        return CardResult(
            file_type=self.file_type,
            resolution=self.resolution,
            card_nums=[
                CardNumGroup(
                    value=SecretStr(_open(open_field, group.value, f"cardNums.{index}.value")),
                    conf=group.conf,
                )
                for index, group in enumerate(self.card_nums)
            ],
            total_card_num=None if total is None else SecretStr(total),
            card_num_boxes=self.card_num_boxes,
            valid_thru=None
            if valid_thru is None
            else ValueConf(
                value=_open(open_field, valid_thru.value, "validThru.value"),
                conf=valid_thru.conf,
            ),
            valid_thru_box=self.valid_thru_box,
        )


class SealedFieldError(ValueError):
    """A sealed field that did not open; the message names the field, never its value."""


def _open(open_field: Callable[[str], str], sealed: str, where: str) -> str:
    if not sealed:  # nothing was read: NHN sends an empty value, not an encrypted one
        return sealed
    try:
        return open_field(sealed)
    except ValueError as error:
        raise SealedFieldError(f"{where}: {error}") from None
