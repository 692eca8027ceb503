import json

from pydantic import SecretStr

from bot.ocr import BusinessResult, CardResult, KeyValue, StatusResult

GUIDE_BUSINESS = {
    "fileType": "png",
    "unitType": "pixel",
    "keyValues": [
        {"key": "구분", "value": " 간이과세자", "conf": 0.93},
        {"key": "등록번호", "value": "123-45-67890", "conf": 1},
    ],
    "boxes": [
        {"x1": 340, "y1": 3231, "x2": 523, "y2": 3231, "x3": 523, "y3": 3297, "x4": 340, "y4": 3297}
    ],
    "resolution": "normal",
}
CARD_NUMBER = "4012888888881881"
CARD_GROUPS = ["4012", "8888", "8888", "1881"]


def card_payload(**changes: object) -> dict[str, object]:
    payload: dict[str, object] = {
        "fileType": "png",
        "resolution": "low",
        "cardNums": [{"value": group, "conf": 0.9} for group in CARD_GROUPS],
        "totalCardNum": CARD_NUMBER,
        "cardNumBoxes": [
            {"x1": 62, "y1": 256, "x2": 192, "y2": 256, "x3": 192, "y3": 301, "x4": 62, "y4": 301}
        ],
        "validThru": {"value": "04/19", "conf": 0.53},
        "validThruBox": {
            "x1": 316,
            "y1": 315,
            "x2": 426,
            "y2": 315,
            "x3": 426,
            "y3": 347,
            "x4": 316,
            "y4": 347,
        },
    }
    payload.update(changes)
    return payload


def test_business_result_reads_the_guide_example() -> None:
    result = BusinessResult.model_validate(GUIDE_BUSINESS)
    assert result.file_type == "png"
    assert result.unit_type == "pixel"
    assert result.key_values[0] == KeyValue(key="구분", value=" 간이과세자", conf=0.93)
    assert result.key_values[1].conf == 1.0
    assert result.boxes[0].y3 == 3297
    assert result.low_resolution is False


def test_business_result_keeps_fields_the_api_adds_later() -> None:
    result = BusinessResult.model_validate(
        {
            **GUIDE_BUSINESS,
            "pageCount": 1,
            "keyValues": [{"key": "상 호", "value": "x", "angle": 3}],
        }
    )
    assert result.model_extra == {"pageCount": 1}
    assert result.key_values[0].model_extra == {"angle": 3}


def test_business_result_defaults_what_the_api_leaves_out() -> None:
    result = BusinessResult.model_validate({"keyValues": [{"key": "등록번호", "value": "1"}]})
    assert result.boxes == []
    assert result.key_values[0].conf is None
    assert result.resolution is None
    assert result.low_resolution is False


def test_low_resolution_is_read_from_the_resolution_field() -> None:
    assert BusinessResult.model_validate({**GUIDE_BUSINESS, "resolution": "low"}).low_resolution
    assert CardResult.model_validate(card_payload()).low_resolution
    assert not CardResult.model_validate(card_payload(resolution="normal")).low_resolution


def test_models_also_accept_python_names() -> None:
    assert StatusResult(status_code="06", status_message="폐업자").status_code == "06"
    assert StatusResult.model_validate({"statusCode": "00"}).status_message == ""


def test_card_digits_never_show_in_repr_str_or_json() -> None:
    result = CardResult.model_validate(card_payload())
    shown = " ".join(
        [
            repr(result),
            str(result),
            result.model_dump_json(),
            json.dumps(result.model_dump(mode="json")),
        ]
        + [repr(group) for group in result.card_nums]
    )
    for digits in (CARD_NUMBER, *CARD_GROUPS):
        assert digits not in shown
    assert result.total_card_num is not None
    assert result.total_card_num.get_secret_value() == CARD_NUMBER
    assert [group.value.get_secret_value() for group in result.card_nums] == CARD_GROUPS
    assert result.valid_thru is not None
    assert result.valid_thru.value == "04/19"


def test_total_card_number_falls_back_to_the_joined_groups() -> None:
    payload = card_payload()
    del payload["totalCardNum"]
    result = CardResult.model_validate(payload)
    assert result.total_card_num == SecretStr(CARD_NUMBER)


def test_total_card_number_given_as_a_list_is_joined() -> None:
    result = CardResult.model_validate(card_payload(totalCardNum=CARD_GROUPS))
    assert result.total_card_num == SecretStr(CARD_NUMBER)


def test_card_without_anything_recognised_has_no_number() -> None:
    result = CardResult.model_validate({"fileType": "jpg"})
    assert result.total_card_num is None
    assert result.card_nums == []
    assert result.valid_thru is None
    assert result.valid_thru_box is None


def test_unknown_card_fields_are_tolerated_but_dropped_as_they_could_hold_digits() -> None:
    result = CardResult.model_validate(card_payload(cardNumberRaw=CARD_NUMBER))
    assert CARD_NUMBER not in repr(result) + result.model_dump_json()
    assert not result.model_extra
