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
    StatusResult,
    Upload,
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
    "StatusResult",
    "Upload",
    "ValueConf",
]
