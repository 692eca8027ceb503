"""The authenticity verdict, the correction dialog and its answer, as Block Kit."""

import json

import pytest

from bot.blocks import ids
from bot.blocks.authenticity import (
    NUMBER_INPUT,
    OPENED_INPUT,
    correct_button,
    correction_modal,
    failure_reason,
    prefill_of,
    recheck_result,
    verdict_text,
)
from bot.blocks.elements import actions, section
from bot.blocks.message import compose
from bot.domain import certificate
from bot.domain.authenticity import Authenticity, Details, Verdict, details_of
from bot.errors import ConnectionFailed, Service, Timeout
from bot.i18n import Language
from bot.nts.errors import api_error, gateway_error, http_error
from fakes.blockkit import modal_rejection
from tests.blocks.inert import HOSTILE, LONG, assert_inert
from tests.blocks.test_business import KeyValue

HOSTILE_CERTIFICATE = certificate.normalize(
    [
        KeyValue("등록번호", "220-81-62517"),
        KeyValue("상호", HOSTILE + LONG),
        KeyValue("대표자", HOSTILE, 0.41),
        KeyValue("개업연월일", "2015 년 03 월 02 일", 0.55),
    ]
)


@pytest.mark.parametrize("lang", list(Language))
@pytest.mark.parametrize("verdict", [Verdict.MATCH, Verdict.NAME_DIFFERS, Verdict.MISMATCH])
def test_hostile_details_render_inert_in_the_verdict_and_the_button(
    lang: Language, verdict: Verdict
) -> None:
    check = Authenticity(details_of(HOSTILE_CERTIFICATE), verdict)
    text = verdict_text(check, HOSTILE_CERTIFICATE, lang)
    button = correct_button(check, HOSTILE_CERTIFICATE, lang, action_id=ids.CORRECT_DETAILS)
    message = compose("x", [section(text), actions("a", button)], lang)
    assert_inert(message)
    assert len(button["value"]) <= 2000


def test_a_mismatch_points_at_the_fields_read_with_low_confidence_first() -> None:
    check = Authenticity(details_of(HOSTILE_CERTIFICATE), Verdict.MISMATCH)
    text = verdict_text(check, HOSTILE_CERTIFICATE, Language.EN)
    first_line = text.splitlines()[0]
    assert "compare the Opening date, Representative with the original" in first_line
    assert "Opening date 2015-03-02 (read 55%)" in text
    assert "forged" not in text.lower()


def test_the_dialog_is_a_valid_modal_prefilled_from_a_forgeable_value() -> None:
    check = Authenticity(details_of(HOSTILE_CERTIFICATE), Verdict.MISMATCH)
    button = correct_button(check, HOSTILE_CERTIFICATE, Language.KO, action_id="x")
    view = correction_modal(prefill_of(button["value"]), '{"c": "C1"}', Language.KO)
    assert modal_rejection(view) is None
    assert view["callback_id"] == ids.CORRECT_DETAILS_VIEW
    initial = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"][1:]}
    assert initial[NUMBER_INPUT] == "220-81-62517"
    assert initial[OPENED_INPUT] == "2015-03-02"
    forged = correction_modal(
        prefill_of(json.dumps({"n": ["x"], "d": "1" * 9999})), "", Language.EN
    )
    assert modal_rejection(forged) is None


@pytest.mark.parametrize("lang", list(Language))
def test_the_answer_to_a_correction_is_inert(lang: Language) -> None:
    details = Details("2208162517", "20150302", (HOSTILE,), LONG)
    assert_inert(
        recheck_result(Authenticity(details, Verdict.MISMATCH), user_id="U0BUYER", lang=lang)
    )


# The failures FACTS.md lists for the NTS API, and the advice each deserves.
@pytest.mark.parametrize(
    ("error", "said"),
    [
        (gateway_error(-10, http_status=400, endpoint="validate"), "quota"),
        (http_error(429, endpoint="validate"), "quota"),
        (gateway_error(-4, http_status=400, endpoint="validate"), "service key"),
        (http_error(401, endpoint="validate"), "service key"),
        (http_error(403, endpoint="validate"), "service key"),
        (api_error("INTERNAL_ERROR", http_status=500, endpoint="validate"), "did not answer"),
        (http_error(502, endpoint="validate"), "did not answer"),
        (Timeout("validate: ReadTimeout", service=Service.NTS), "did not answer"),
        (ConnectionFailed("validate: ConnectError", service=Service.NTS), "did not answer"),
        (api_error("BAD_JSON_REQUEST", http_status=400, endpoint="validate"), "refused"),
        (api_error("TOO_LARGE_REQUEST", http_status=413, endpoint="validate"), "refused"),
    ],
)
def test_each_kind_of_nts_failure_gets_its_own_advice(error: Exception, said: str) -> None:
    assert said in failure_reason(error).en  # type: ignore[arg-type]
