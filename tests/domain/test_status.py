import pytest

from bot.domain.status import BusinessStatus


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("00", BusinessStatus.NOT_IN_BUSINESS),
        ("0", BusinessStatus.NOT_IN_BUSINESS),
        ("01", BusinessStatus.VAT_GENERAL),
        ("1", BusinessStatus.VAT_GENERAL),
        (" 01 ", BusinessStatus.VAT_GENERAL),
        ("001", BusinessStatus.VAT_GENERAL),
        ("02", BusinessStatus.VAT_SIMPLIFIED),
        ("03", BusinessStatus.VAT_EXEMPT),
        ("04", BusinessStatus.NON_PROFIT),
        ("05", BusinessStatus.INACTIVE),
        ("5", BusinessStatus.INACTIVE),
        ("06", BusinessStatus.CLOSED),
        ("09", BusinessStatus.OTHER),
        ("07", BusinessStatus.OTHER),
        ("10", BusinessStatus.OTHER),
        ("", BusinessStatus.OTHER),
        ("closed", BusinessStatus.OTHER),
        ("０１", BusinessStatus.OTHER),  # NHN sends ASCII; anything else is not a code
    ],
)
def test_from_code(code: str, expected: BusinessStatus) -> None:
    assert BusinessStatus.from_code(code) is expected


@pytest.mark.parametrize(
    ("status", "is_open", "is_alert", "is_unknown"),
    [
        (BusinessStatus.NOT_IN_BUSINESS, False, False, True),
        (BusinessStatus.VAT_GENERAL, True, False, False),
        (BusinessStatus.VAT_SIMPLIFIED, True, False, False),
        (BusinessStatus.VAT_EXEMPT, True, False, False),
        (BusinessStatus.NON_PROFIT, True, False, False),
        (BusinessStatus.INACTIVE, False, True, False),
        (BusinessStatus.CLOSED, False, True, False),
        (BusinessStatus.OTHER, False, False, True),
    ],
)
def test_each_status_is_exactly_one_of_open_alert_unknown(
    status: BusinessStatus, is_open: bool, is_alert: bool, is_unknown: bool
) -> None:
    assert (status.is_open, status.is_alert, status.is_unknown) == (is_open, is_alert, is_unknown)


@pytest.mark.parametrize(
    ("status", "korean"),
    [
        (BusinessStatus.VAT_GENERAL, "계속사업자(일반과세자)"),
        (BusinessStatus.VAT_SIMPLIFIED, "계속사업자(간이과세자)"),
        (BusinessStatus.VAT_EXEMPT, "계속사업자(면세사업자)"),
        (BusinessStatus.INACTIVE, "휴업자"),
        (BusinessStatus.CLOSED, "폐업자"),
    ],
)
def test_korean_labels_use_hometax_words(status: BusinessStatus, korean: str) -> None:
    assert status.label.ko == korean


@pytest.mark.parametrize("status", list(BusinessStatus))
def test_every_status_has_a_label_in_both_languages(status: BusinessStatus) -> None:
    assert status.label.ko
    assert status.label.en


def test_labels_tell_statuses_apart() -> None:
    labels = [status.label for status in BusinessStatus]
    assert len({label.ko for label in labels}) == len(labels)
    assert len({label.en for label in labels}) == len(labels)


def test_values_are_nhn_codes() -> None:
    assert [status.value for status in BusinessStatus] == [
        "00",
        "01",
        "02",
        "03",
        "04",
        "05",
        "06",
        "09",
    ]
