"""What the `ocrbot` command tells the operator at the terminal.

A person in Slack reads `bot.blocks.errors.explain`; the operator also gets the setting
to look at and the service's own code, which the Slack copy leaves out. The answers to
commands are in Korean and English; the start-up checks' messages (when `ocrbot run`
refuses to start: one per wrong setting, naming it, saying what was wrong and what to
do) are in English like the other configuration messages. Nothing here repeats a secret.
"""

from bot.errors import (
    AuthenticationFailed,
    BotError,
    FileTooLarge,
    RateLimited,
    Refused,
    Service,
    Timeout,
    TooManyPixels,
    UpstreamError,
)
from bot.i18n import Text

NEEDS_NTS_KEY = Text(
    ko="진위확인에는 NTS_SERVICE_KEY가 필요합니다: 공공데이터포털에서 국세청 사업자등록정보 "
    "진위확인 및 상태조회 서비스(15081808)를 활용신청하고 받은 키를 설정하세요.",
    en="Authenticity checks need NTS_SERVICE_KEY: the key data.go.kr issues for the National "
    "Tax Service business registration API (dataset 15081808).",
)
BAD_NUMBER = Text(
    ko="사업자등록번호는 숫자 10자리입니다.", en="A business registration number has 10 digits."
)
BAD_DATE = Text(
    ko="개업연월일은 YYYY-MM-DD 형식의 실제 날짜입니다.",
    en="The opening date is a real date written YYYY-MM-DD.",
)
NO_REPRESENTATIVE = Text(
    ko="대표자 이름이 비어 있습니다.", en="The representative's name is empty."
)
RECHECKED = Text(
    ko="관심 거래처 {checked}곳을 다시 조회했습니다. "
    "조회하지 못한 곳: {failed}곳 (잠시 후 다시 조회합니다).",
    en="Re-checked {checked} watched businesses; {failed} lookups failed (tried again shortly).",
)
TRY_ANYWAY = Text(
    ko="이 규칙은 공식 규칙이 아니어서 실제 번호 중에도 맞지 않는 것이 있습니다. "
    "번호가 맞다면 --anyway를 붙여 그래도 조회하세요.",
    en="The rule is not an official one and a few real numbers fail it: if the number is "
    "right, add --anyway to look it up all the same.",
)

_NHN_KEYS = Text(
    ko="NHN {code}: NHN_OCR_APP_KEY와 NHN_USER_ACCESS_KEY_ID·NHN_SECRET_ACCESS_KEY"
    "(API v1.0이면 NHN_OCR_SECRET_KEY)를 확인하세요.",
    en="NHN {code}: check NHN_OCR_APP_KEY and NHN_USER_ACCESS_KEY_ID / NHN_SECRET_ACCESS_KEY "
    "(NHN_OCR_SECRET_KEY for API v1.0).",
)
_NHN_ADDRESS = Text(
    ko="NHN {code}: NHN_OCR_BASE_URL을 확인하세요.",
    en="NHN {code}: check NHN_OCR_BASE_URL.",
)
_NHN_SLOW = Text(
    ko="NHN: OCR_TIMEOUT_S, OCR_DEADLINE_S 안에 답이 없었습니다.",
    en="NHN: no answer within OCR_TIMEOUT_S / OCR_DEADLINE_S.",
)
_NHN_LIMITED = Text(
    ko="NHN {code}: 호출 한도에 걸렸습니다. OCR_CONCURRENCY를 낮춰 보세요.",
    en="NHN {code}: call limit reached; consider a lower OCR_CONCURRENCY.",
)
_NTS_KEY = Text(
    ko="NTS {code}: NTS_SERVICE_KEY와 공공데이터포털 활용신청(15081808)을 확인하세요.",
    en="NTS {code}: check NTS_SERVICE_KEY and its data.go.kr subscription (dataset 15081808).",
)
_NTS_LIMITED = Text(
    ko="NTS {code}: 호출 한도에 걸렸습니다. STATUS_RATE_PER_S를 낮춰 보세요.",
    en="NTS {code}: call limit reached; consider a lower STATUS_RATE_PER_S.",
)
_TOO_LARGE = Text(
    ko="한도 {limit}바이트: OCR_MAX_UPLOAD_BYTES(NHN에 보내는 파일), "
    "FILE_MAX_BYTES(Slack에서 받는 파일).",
    en="Limit {limit} bytes: OCR_MAX_UPLOAD_BYTES (sent to NHN), FILE_MAX_BYTES (from Slack).",
)
_TOO_MANY_PIXELS = Text(
    ko="이미지 메모리는 IMAGE_MEMORY_BUDGET_MB로 정합니다.",
    en="Image memory is set by IMAGE_MEMORY_BUDGET_MB.",
)
_NHN_ADDRESS_CODES = frozenset({404, 405, 4041007})


def operator_note(error: BotError) -> Text | None:
    """The setting to look at for `error`, with the service's code; None when none helps.

    >>> from bot.errors import AuthenticationFailed, Service
    >>> operator_note(AuthenticationFailed("x", service=Service.NTS, code="-4")).en[:22]
    'NTS -4: check NTS_SERV'
    """
    if isinstance(error, FileTooLarge):
        return _TOO_LARGE.format(limit=error.limit_bytes)
    if isinstance(error, TooManyPixels):
        return _TOO_MANY_PIXELS
    if not isinstance(error, UpstreamError):
        return None
    code = error.code if error.code is not None else f"HTTP {error.http_status}"
    if error.service is Service.NHN:
        if isinstance(error, AuthenticationFailed):
            return _NHN_KEYS.format(code=code)
        if isinstance(error, Refused) and error.code in _NHN_ADDRESS_CODES:
            return _NHN_ADDRESS.format(code=code)
        if isinstance(error, Timeout):
            return _NHN_SLOW
        if isinstance(error, RateLimited):
            return _NHN_LIMITED.format(code=code)
    if error.service is Service.NTS:
        if isinstance(error, AuthenticationFailed):
            return _NTS_KEY.format(code=code)
        if isinstance(error, RateLimited):
            return _NTS_LIMITED.format(code=code)
    return None


# Start-up checks (bot/startup.py)

SLACK_APPS = "https://api.slack.com/apps"


def swapped_token(setting: str, found: str, other: str, wanted: str) -> str:
    return (
        f"{setting} holds an {found}… token, which belongs in {other}: the two Slack tokens "
        f"look swapped. Put the {wanted}… token in {setting} (Slack app settings at "
        f"{SLACK_APPS})."
    )


def wrong_token_kind(setting: str, wanted: str, where: str) -> str:
    return (
        f"{setting} is not a {wanted}… token. Copy the token from {where} of your Slack app "
        f"({SLACK_APPS})."
    )


BOT_OAUTH_PAGE = "'OAuth & Permissions' (Bot User OAuth Token)"
APP_LEVEL_PAGE = "'Basic Information' > 'App-Level Tokens' (scope connections:write)"


def slack_refused(setting: str, error: str, where: str) -> str:
    return (
        f"{setting} was refused by Slack ({error}): the token is wrong, revoked, or the app "
        f"was uninstalled. Copy a current token from {where} of your Slack app ({SLACK_APPS}); "
        "reinstall the app to the workspace if it was removed."
    )


def slack_not_bot(setting: str) -> str:
    return (
        f"{setting} is accepted by Slack but is not a bot token (auth.test names no bot). "
        f"Use the Bot User OAuth Token (xoxb-…) from {BOT_OAUTH_PAGE}."
    )


def slack_failed(setting: str, method: str, error: str) -> str:
    return f"{setting}: Slack answered {method} with '{error}'. Check the app's settings."


def unreachable(setting: str, service: str, url_setting: str, url: str) -> str:
    """`setting` could not be tried: `service`, at `url` (from `url_setting`), never answered."""
    return (
        f"{setting} could not be checked: {service} at {url} did not answer after retries "
        f"(the network, a proxy, or an outage of {service}). Check {url_setting} and the "
        "network, then start the bot again."
    )


NHN_KEYS_REFUSED = (
    "NHN_USER_ACCESS_KEY_ID / NHN_SECRET_ACCESS_KEY were refused by NHN Cloud ({reason}): "
    "the User Access Key is wrong, disabled or deleted. Create or copy one in the NHN Cloud "
    "console under 'API Security Settings' and set both halves."
)

NHN_APP_KEY_REFUSED = (
    "NHN_OCR_APP_KEY was refused by NHN Cloud ({reason}): the app key is wrong, or Document "
    "OCR is not enabled in that project. Copy the Appkey shown at the top of the Document OCR "
    "console page of the project."
)


NTS_KEY_REFUSED = (
    "NTS_SERVICE_KEY was refused by data.go.kr ({reason}): the key is wrong, not yet active "
    "(a new key takes up to an hour), or not subscribed to the National Tax Service business "
    "status API (dataset 15081808). Check it under 'My page' on data.go.kr."
)


def nts_failed(reason: str) -> str:
    return f"NTS_SERVICE_KEY: the NTS API refused the check ({reason}). Check NTS_BASE_URL."


def cannot_start(problems: list[str]) -> str:
    return "The bot cannot start:\n" + "\n".join(f"  - {problem}" for problem in problems)


def cannot_listen(where: str, reason: str) -> str:
    """The HTTP port is taken or not ours to open.

    >>> cannot_listen("0.0.0.0:3000", "Address already in use")[:56]
    'The bot cannot listen on 0.0.0.0:3000: Address already i'
    """
    return (
        f"The bot cannot listen on {where}: {reason}. Choose another port with --port "
        "(or --host), or stop the process that is using it."
    )
