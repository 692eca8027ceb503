"""How NTS answers map onto the bot's statuses, every code (the docstring examples run
with --doctest-modules)."""

import pytest

from bot.domain.status import BusinessStatus
from bot.nts import NtsBusiness, business_status


@pytest.mark.parametrize(
    ("tax_type_cd", "expected"),
    [
        ("01", BusinessStatus.VAT_GENERAL),
        ("02", BusinessStatus.VAT_SIMPLIFIED),
        ("03", BusinessStatus.VAT_SIMPLIFIED),
        ("04", BusinessStatus.VAT_EXEMPT),
        ("05", BusinessStatus.NON_PROFIT),
        ("06", BusinessStatus.NON_PROFIT),
        ("07", BusinessStatus.VAT_SIMPLIFIED),
        ("08", BusinessStatus.OTHER),
        ("", BusinessStatus.OTHER),
    ],
)
def test_an_active_business_is_told_apart_by_its_tax_type(
    tax_type_cd: str, expected: BusinessStatus
) -> None:
    assert business_status("01", tax_type_cd) is expected
    assert business_status("01", tax_type_cd).is_open is (expected is not BusinessStatus.OTHER)


@pytest.mark.parametrize("tax_type_cd", ["01", "02", "04", "05", ""])
def test_inactive_and_closed_win_over_the_tax_type(tax_type_cd: str) -> None:
    assert business_status("02", tax_type_cd) is BusinessStatus.INACTIVE
    assert business_status("03", tax_type_cd) is BusinessStatus.CLOSED
    assert business_status("03", tax_type_cd).is_alert


def test_an_item_keeps_what_the_bot_uses_and_drops_the_rest() -> None:
    item = NtsBusiness.model_validate(
        {
            "b_no": "2208162517",
            "b_stt": "폐업자",
            "b_stt_cd": "03",
            "tax_type": "부가가치세 일반과세자",
            "tax_type_cd": "01",
            "end_dt": "20240131",
            "rbf_tax_type_cd": "99",
        }
    )
    assert item.status is BusinessStatus.CLOSED
    assert item.end_dt == "20240131"
    assert "rbf_tax_type_cd" not in item.model_dump()
