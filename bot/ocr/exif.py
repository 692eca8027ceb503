"""The EXIF orientation of a JPEG or PNG, read from its bytes without decoding any pixels.

Pillow decodes a whole PNG when asked for EXIF it did not meet before the pixels, and a
file whose bytes go to NHN unchanged should cost no decode at all. JPEG keeps EXIF in an
APP1 segment before the image data; PNG in an eXIf chunk, before or after the pixels.
Damaged or missing EXIF reads as upright (1): the orientation is a hint, not the image.
"""

import struct

UPRIGHT = 1
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_EXIF_HEADER = b"Exif\x00\x00"
_ORIENTATION_TAG = 0x0112
_SHORT = 3
# JPEG markers without a length: TEM and RST0-7 (and SOI, already passed).
_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})
_APP1, _START_OF_SCAN, _END_OF_IMAGE = 0xE1, 0xDA, 0xD9


def jpeg_orientation(data: bytes) -> int:
    """The orientation (1-8) in a JPEG's EXIF APP1 segment, 1 without one."""
    offset = 2  # past SOI
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            return UPRIGHT  # not at a marker: damaged
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte before a marker
            offset += 1
            continue
        if marker in _STANDALONE_MARKERS:
            offset += 2
            continue
        if marker in (_START_OF_SCAN, _END_OF_IMAGE):
            return UPRIGHT  # EXIF comes before the image data
        (length,) = struct.unpack_from(">H", data, offset + 2)
        payload = data[offset + 4 : offset + 2 + length]
        if marker == _APP1 and payload.startswith(_EXIF_HEADER):
            return tiff_orientation(payload[len(_EXIF_HEADER) :])
        offset += 2 + length
    return UPRIGHT


def png_orientation(data: bytes) -> int:
    """The orientation (1-8) in a PNG's eXIf chunk, wherever it is; 1 without one.

    Walks the chunk headers only: the compressed pixels are skipped, never inflated.
    """
    offset = len(_PNG_SIGNATURE)
    while offset + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, offset)
        if kind == b"eXIf":
            chunk = data[offset + 8 : offset + 8 + length]
            # Some writers keep JPEG's "Exif\0\0" in front of the TIFF block.
            return tiff_orientation(chunk.removeprefix(_EXIF_HEADER))
        if kind == b"IEND":
            break
        offset += 12 + length  # length, type, data, CRC
    return UPRIGHT


def tiff_orientation(block: bytes) -> int:
    """The Orientation tag of the first IFD of an EXIF (TIFF) block; 1 if absent or damaged.

    >>> tiff_orientation(b"II*\\x00"), tiff_orientation(b"")
    (1, 1)
    """
    try:
        order = {b"II": "<", b"MM": ">"}[block[:2]]
        (first_ifd,) = struct.unpack_from(order + "I", block, 4)
        (entries,) = struct.unpack_from(order + "H", block, first_ifd)
        for index in range(entries):
            tag, kind, _, value = struct.unpack_from(
                order + "HHIH", block, first_ifd + 2 + 12 * index
            )
            if tag == _ORIENTATION_TAG:
                return value if kind == _SHORT and 1 <= value <= 8 else UPRIGHT
    except (KeyError, struct.error):
        pass
    return UPRIGHT
