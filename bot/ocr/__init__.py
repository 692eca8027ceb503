"""NHN Cloud Document OCR: business registration certificates, business status, credit cards."""

from bot.ocr.client import OcrClient
from bot.ocr.models import (
    Box,
    BusinessResult,
    CardNumGroup,
    CardResult,
    DocumentKind,
    FileType,
    KeyValue,
    PreparedFile,
    StatusResult,
    ValueConf,
)

__all__ = [
    "Box",
    "BusinessResult",
    "CardNumGroup",
    "CardResult",
    "DocumentKind",
    "FileType",
    "KeyValue",
    "OcrClient",
    "PreparedFile",
    "StatusResult",
    "ValueConf",
]
