"""PDFs: password protection caught before NHN sees it, and pages rendered one by one."""

from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from bot.blocks.errors import PASSWORD_PDF, explain
from bot.config import MB, ConfigError, Settings, load_settings
from bot.errors import PasswordProtectedPdf, UnreadablePdf
from bot.ocr import DocumentKind, FileType
from bot.ocr.pdf import MAX_PAGE_PIXELS, RENDER_DPI, PdfPages, pdf_pages
from bot.ocr.preflight import prepare, sniff
from fakes.nhn import BUSINESS, TOKEN, NhnFake, Reply
from tests.ocr.conftest import MakeClient
from tests.ocr.images import (
    A4_POINTS,
    ENCRYPTED_PDF_SQUARE,
    MINIMAL_PDF,
    encode,
    encrypted_pdf,
    noise,
    numbered_pdf,
    page_mark_centre,
)

SCALE = RENDER_DPI / 72
UNPARSEABLE_ENCRYPTED = b"%PDF-1.4\ntrailer\n<< /Root 1 0 R /Encrypt 2 0 R >>\n%%EOF\n"


def decode(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    image.load()
    return image.convert("L")


def is_dark(image: Image.Image, point_pt: tuple[float, float]) -> bool:
    x, y = point_pt
    pixel = image.getpixel((round(x * SCALE), round(y * SCALE)))
    assert isinstance(pixel, int)
    return pixel < 64


def page_numbers(rendered: PdfPages) -> list[int]:
    """Which numbered_pdf page each rendered image shows, by the column of its square."""
    numbers = []
    for data in rendered.pages:
        image = decode(data)
        [number] = [column for column in range(12) if is_dark(image, page_mark_centre(column))]
        numbers.append(number)
    return numbers


def square_centre() -> tuple[float, float]:
    left, top, right, bottom = ENCRYPTED_PDF_SQUARE
    return (left + right) / 2, (top + bottom) / 2


# Password protection.


def test_the_encrypted_test_pdf_is_real_and_opens_with_its_password() -> None:
    """The fixture below is a genuinely encrypted PDF, not merely an unreadable one."""
    locked = encrypted_pdf("s3cret", "owner")
    with pytest.raises(pdfium.PdfiumError) as caught:
        pdfium.PdfDocument(locked)
    assert caught.value.err_code == pdfium.raw.FPDF_ERR_PASSWORD
    document = pdfium.PdfDocument(locked, password="s3cret")
    try:
        page = document[0]
        image = page.render(scale=SCALE).to_pil().convert("L")
        page.close()
    finally:
        document.close()
    assert is_dark(image, square_centre())
    assert not is_dark(image, (20, 20))


def test_a_password_protected_pdf_is_refused_with_a_clear_message() -> None:
    with pytest.raises(PasswordProtectedPdf) as caught:
        prepare(encrypted_pdf("s3cret", "owner"), "cert.pdf", DocumentKind.BUSINESS, MB)
    assert explain(caught.value) == PASSWORD_PDF
    assert "s3cret" not in str(caught.value)


def test_pdfiums_password_error_alone_is_enough() -> None:
    # A comment is whitespace in PDF: PDFium still sees /Encrypt, a plain search does not.
    locked = encrypted_pdf("s3cret", "owner").replace(b"/Encrypt 5 0 R", b"/Encrypt %x\n5 0 R")
    with pytest.raises(PasswordProtectedPdf):
        prepare(locked, "cert.pdf", DocumentKind.BUSINESS, MB)


def test_a_password_protected_pdf_is_refused_before_the_size_check() -> None:
    locked = encrypted_pdf("s3cret", "owner")
    with pytest.raises(PasswordProtectedPdf):
        prepare(locked, "cert.pdf", DocumentKind.BUSINESS, len(locked) - 1)


def test_an_unparseable_pdf_with_an_encrypt_entry_is_refused_as_protected() -> None:
    with pytest.raises(PasswordProtectedPdf):
        prepare(UNPARSEABLE_ENCRYPTED, "cert.pdf", DocumentKind.BUSINESS, MB)
    with pytest.raises(PasswordProtectedPdf):
        pdf_pages(UNPARSEABLE_ENCRYPTED, 5, MB)


def test_a_pdf_with_only_an_owner_password_opens_for_anyone_and_passes() -> None:
    restricted = encrypted_pdf("", "owner")
    upload = prepare(restricted, "hometax.pdf", DocumentKind.BUSINESS, MB)
    assert upload.data == restricted
    rendered = pdf_pages(restricted, 5, MB)
    assert rendered.total == 1
    assert is_dark(decode(rendered.pages[0]), square_centre())  # decrypted, not blank


def test_a_pdf_pdfium_cannot_parse_goes_to_nhn_as_before() -> None:
    upload = prepare(MINIMAL_PDF, "cert.pdf", DocumentKind.BUSINESS, MB)
    assert upload.data == MINIMAL_PDF


def test_pages_of_a_pdf_pdfium_cannot_parse_are_unreadable() -> None:
    with pytest.raises(UnreadablePdf) as caught:
        pdf_pages(MINIMAL_PDF, 5, MB)
    assert "PDF" in explain(caught.value).en


def test_pages_of_a_password_protected_pdf_are_refused() -> None:
    with pytest.raises(PasswordProtectedPdf):
        pdf_pages(encrypted_pdf("s3cret", "owner"), 5, MB)


async def test_a_password_protected_pdf_never_reaches_nhn(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    with pytest.raises(PasswordProtectedPdf):
        await make_client().business(encrypted_pdf("s3cret", "owner"), "cert.pdf")
    assert fake_nhn.calls(BUSINESS) == 0
    assert fake_nhn.calls(TOKEN) == 0


async def test_nhn_answering_4000103_is_the_same_error(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    fake_nhn.script(BUSINESS, Reply.error(4000103, "PDF is password-protected."))
    with pytest.raises(PasswordProtectedPdf) as caught:
        await make_client().business(numbered_pdf(1), "cert.pdf")
    assert caught.value.code == 4000103
    assert explain(caught.value) == PASSWORD_PDF
    assert fake_nhn.calls(BUSINESS) == 1  # not retried: the same file gets the same answer


# Pages.


def test_each_page_of_a_three_page_pdf_is_rendered_in_order() -> None:
    rendered = pdf_pages(numbered_pdf(3), 5, MB)
    assert rendered.total == 3
    assert page_numbers(rendered) == [0, 1, 2]
    for data in rendered.pages:
        assert len(data) <= MB
        assert sniff(data) in (FileType.PNG, FileType.JPEG)
        # A4 at 200 dpi.
        assert decode(data).size == (round(A4_POINTS[0] * SCALE), round(A4_POINTS[1] * SCALE))


def test_a_twelve_page_pdf_gives_max_pdf_pages_pages_and_its_total() -> None:
    max_pages = Settings(_env_file=None).max_pdf_pages
    assert max_pages == 5
    rendered = pdf_pages(numbered_pdf(12), max_pages, MB)
    assert rendered.total == 12
    assert page_numbers(rendered) == [0, 1, 2, 3, 4]


def test_a_page_too_large_as_png_is_sent_as_jpeg_within_the_limit() -> None:
    photo_scan = encode(noise((1000, 1400)), "PDF", resolution=120.0)
    rendered = pdf_pages(photo_scan, 5, 400_000)
    [page] = rendered.pages
    assert sniff(page) is FileType.JPEG
    assert len(page) <= 400_000


def test_an_oversized_page_is_rendered_within_the_pixel_cap() -> None:
    document = pdfium.PdfDocument.new()
    try:
        document.new_page(14_400, 14_400).close()  # 200 x 200 inches, PDF's largest page
        buffer = BytesIO()
        document.save(buffer)
    finally:
        document.close()
    [page] = pdf_pages(buffer.getvalue(), 5, MB).pages
    width, height = decode(page).size
    assert width * height <= MAX_PAGE_PIXELS
    assert width == height


def test_rendered_pages_pass_preflight_unchanged() -> None:
    for data in pdf_pages(numbered_pdf(2), 5, MB).pages:
        upload = prepare(data, "cert-p1", DocumentKind.BUSINESS, MB)
        assert upload.data == data
        assert upload.low_resolution is False


def test_several_threads_render_at_once_without_mixing_pages() -> None:
    # PDFium is not thread-safe; preflight runs in worker threads and must serialise it.
    documents = [numbered_pdf(count) for count in (2, 3, 4, 3)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda data: pdf_pages(data, 5, MB), documents))
    assert [result.total for result in results] == [2, 3, 4, 3]
    assert [page_numbers(result) for result in results] == [
        [0, 1],
        [0, 1, 2],
        [0, 1, 2, 3],
        [0, 1, 2],
    ]


def test_pdf_pages_repr_leaves_out_the_images() -> None:
    rendered = pdf_pages(numbered_pdf(1), 5, MB)
    assert repr(rendered) == "PdfPages(total=1)"


# The setting.


def test_max_pdf_pages_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_PDF_PAGES", "12")
    assert Settings(_env_file=None).max_pdf_pages == 12


def test_max_pdf_pages_must_be_at_least_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env there
    monkeypatch.setenv("MAX_PDF_PAGES", "0")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "MAX_PDF_PAGES" in str(caught.value)
