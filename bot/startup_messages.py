"""What the operator reads when `ocrbot run` refuses to start: one message per setting
that is wrong, naming it, saying what was wrong and what to do.

Operator copy, in English like the other configuration messages; what Slack users read
lives in bot/blocks. Every message here is safe to print: none repeats a secret.
"""

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


def slack_unreachable(setting: str, url: str) -> str:
    return (
        f"{setting} could not be checked: Slack at {url} did not answer after retries "
        "(network, proxy or Slack outage). Check SLACK_API_URL and the network, then start "
        "the bot again."
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


def nhn_unreachable(what: str, url: str) -> str:
    return (
        f"{what} could not be checked: NHN Cloud at {url} did not answer after retries "
        "(network, proxy or NHN outage). Check the URL setting and the network, then start "
        "the bot again."
    )


NTS_KEY_REFUSED = (
    "NTS_SERVICE_KEY was refused by data.go.kr ({reason}): the key is wrong, not yet active "
    "(a new key takes up to an hour), or not subscribed to the National Tax Service business "
    "status API (dataset 15081808). Check it under 'My page' on data.go.kr."
)


def nts_unreachable(url: str) -> str:
    return (
        f"NTS_SERVICE_KEY could not be checked: the NTS API at {url} did not answer after "
        "retries (network or data.go.kr outage). Check NTS_BASE_URL and the network, then "
        "start the bot again."
    )


def nts_failed(reason: str) -> str:
    return f"NTS_SERVICE_KEY: the NTS API refused the check ({reason}). Check NTS_BASE_URL."


def cannot_start(problems: list[str]) -> str:
    return "The bot cannot start:\n" + "\n".join(f"  - {problem}" for problem in problems)
