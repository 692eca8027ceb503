from bot.blocks import ids


def test_ids_are_unique_short_and_snake_case() -> None:
    values = [value for name, value in vars(ids).items() if name.isupper()]
    assert len(values) == len(set(values))
    for value in values:
        assert 0 < len(value) <= 255
        assert value.replace("_", "").isalnum()
        assert value == value.lower()


def test_action_ids_say_what_a_click_does() -> None:
    assert ids.RECHECK_STATUS == "recheck_status"
    assert ids.SHARE_STATUS == "share_status"
    assert [ids.CHOOSE_KIND_BUSINESS, ids.CHOOSE_KIND_CARD, ids.CHOOSE_KIND_IGNORE] == [
        "choose_kind_business",
        "choose_kind_card",
        "choose_kind_ignore",
    ]
