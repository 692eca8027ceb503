from bot.blocks.elements import button, context, fields, file_line, header, section


def test_every_mrkdwn_object_is_verbatim_so_slack_adds_no_links() -> None:
    for block in (section("x"), fields(["a", "b"]), context("c", "d")):
        objects = [block["text"]] if "text" in block else block.get("fields") or block["elements"]
        assert all(
            obj == {"type": "mrkdwn", "text": obj["text"], "verbatim": True} for obj in objects
        )


def test_headers_and_buttons_are_plain_text() -> None:
    assert header("제목")["text"] == {"type": "plain_text", "text": "제목", "emoji": True}
    assert button("확인", action_id="a", value="1", style="primary") == {
        "type": "button",
        "text": {"type": "plain_text", "text": "확인", "emoji": True},
        "action_id": "a",
        "value": "1",
        "style": "primary",
    }


def test_file_line_is_inert_short_and_masks_card_numbers() -> None:
    assert file_line("*스캔*_<!here>.pdf") == "📄 ＊스캔＊＿&lt;!here&gt;.pdf"
    assert file_line("5555555555554444.jpg") == "📄 •••• •••• •••• 4444.jpg"
    assert file_line("\u200b") == "📄 —"
    assert len(file_line("가" * 1000)) == len("📄 ") + 100
