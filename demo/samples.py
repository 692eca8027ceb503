"""The files the demo shares: drawn with Pillow, since the fake NHN reads no pixels.

What NHN "recognises" in them is scripted in `demo.__main__`; the drawings only need to
be real images and a real PDF that the bot opens, checks and sends on.
"""

import io

from PIL import Image, ImageDraw

from fakes.nhn import card_group_places, card_groups

_INK = (30, 30, 30)
_PAPER = (250, 250, 247)


def certificate_page(title: str, lines: list[str]) -> Image.Image:
    """An A4-shaped page at 150 dpi, above NHN's recommended size, with a title and a few
    lines of text."""
    page = Image.new("RGB", (1240, 1754), _PAPER)
    draw = ImageDraw.Draw(page)
    draw.rectangle((60, 60, 1180, 1694), outline=_INK, width=4)
    draw.text((400, 160), title, fill=_INK, font_size=42)
    for row, line in enumerate(lines):
        draw.text((150, 450 + 135 * row), line, fill=_INK, font_size=33)
    return page


def certificate_png(lines: list[str]) -> bytes:
    return _encode(certificate_page("Business Registration Certificate", lines), "PNG")


def certificates_pdf(pages: list[list[str]]) -> bytes:
    images = [certificate_page("Business Registration Certificate", lines) for lines in pages]
    return _encode(images[0], "PDF", save_all=True, append_images=images[1:], resolution=150.0)


def card_jpeg(number: str, valid_thru: str) -> bytes:
    """A card whose digit groups sit where the fake NHN reports their boxes."""
    card = Image.new("RGB", (1080, 680), (24, 64, 120))
    draw = ImageDraw.Draw(card)
    draw.rounded_rectangle((0, 0, 1079, 679), radius=40, outline=(200, 200, 200), width=3)
    for (x, y, _, height), group in zip(
        card_group_places(number), card_groups(number), strict=True
    ):
        draw.text((x, y), group, fill=(240, 240, 240), font_size=height)
    draw.text((316, 315 - 8), valid_thru, fill=(240, 240, 240), font_size=24)
    return _encode(card, "JPEG", quality=90)


def _encode(image: Image.Image, format: str, **options: object) -> bytes:
    output = io.BytesIO()
    image.save(output, format, **options)
    return output.getvalue()
