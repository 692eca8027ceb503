"""Run the demo: `python -m demo` (or `make demo`). See the package's docstring."""

import asyncio
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from demo import samples
from demo.transcript import readable
from fakes.bot_process import BotProcess, fakes_env
from fakes.nhn import NhnFake, Reply
from fakes.nts import CLOSED, NtsFake, Registered
from fakes.slack import FakeSlack
from fakes.slack_requests import SlackRequestSender, file_share_message

CHANNEL = "C_PURCHASING"
ALERTS = "C_ALERTS"  # NOTIFY_CHANNEL: where the team hears of closed businesses
UPLOADER = "U_DEMO"
DONE, FAILED = "white_check_mark", "warning"
ANSWER_TIMEOUT_S = 30

# What the fake NHN reads on each certificate: (number, name, representative, opened).
CERTIFICATE = ("220-81-62517", "주식회사 한빛테크놀로지", "김민준", "2012 년 03 월 05 일")
VENDOR_PACK = [
    ("124-81-00998", "주식회사 다온상사", "이서연", "2009 년 11 월 20 일"),
    ("120-88-00767", "누리물산 주식회사", "박지호", "2018 년 07 월 01 일"),
]
CLOSED_NUMBER = "1208800767"  # the pack's second business has closed
CARD_NUMBER = "4556737586899855"  # a test number: passes Luhn, issued to nobody


def certificate_reply(number: str, name: str, representative: str, opened: str) -> Reply:
    pairs = [
        ("구분", " 법인사업자"),
        ("등록번호", number),
        ("상호", name),
        ("대표자", representative),
        ("개업연월일", opened),
        ("사업장 소재지", "서울특별시 강남구 테헤란로 152, 12층 (역삼동)"),
        ("업태", "정보통신업"),
        ("종목", "응용 소프트웨어 개발 및 공급업"),
    ]
    return Reply.ok(
        {
            "fileType": "png",
            "unitType": "pixel",
            "keyValues": [{"key": k, "value": v, "conf": 0.95} for k, v in pairs],
            "boxes": [],
        }
    )


def registered(name: str, representative: str, opened: str) -> Registered:
    return Registered(
        start_dt="".join(opened.split()[::2]), representatives=(representative,), name=name
    )


async def main() -> int:
    started = time.monotonic()
    slack, nhn, nts = FakeSlack(), NhnFake().start(), NtsFake().start()
    slack.start()
    nhn.card_number = CARD_NUMBER
    nhn.statuses[CLOSED_NUMBER] = "06"  # NHN's code for 폐업; the NTS says 03
    nts.businesses[CLOSED_NUMBER] = CLOSED
    for number, name, representative, opened in [CERTIFICATE, *VENDOR_PACK]:
        nts.register[number.replace("-", "")] = registered(name, representative, opened)
    secret = secrets.token_hex(16)
    try:
        with tempfile.TemporaryDirectory(prefix="ocrbot-demo-") as directory:
            env = {
                **fakes_env(slack, nhn, f"sqlite:///{directory}/ocrbot.db", secret),
                "NTS_SERVICE_KEY": nts.service_key,
                "NTS_BASE_URL": nts.base_url,
                "FILE_SHARED_GRACE_S": "0.2",
                "NOTIFY_CHANNEL": ALERTS,
            }
            print("Starting the bot against the fake Slack, NHN and NTS…\n")
            with BotProcess(env, Path(directory) / "bot.log") as bot:
                async with bot.sender(slack, secret) as send:
                    await _show_uploads(slack, nhn, send)
                    await _show_bizstatus(slack, send)
                    await _show_alerts(slack)
    finally:
        slack.stop()
        nhn.stop()
        nts.stop()
    violations = slack.take_violations() + nhn.violations + nts.violations
    if violations:
        print("The fakes saw requests the real services would refuse:", *violations, sep="\n  ")
        return 1
    print(f"Done in {time.monotonic() - started:.0f} s. Nothing left this machine.")
    return 0


async def _show_uploads(slack: FakeSlack, nhn: NhnFake, send: SlackRequestSender) -> None:
    nhn.script("business", certificate_reply(*CERTIFICATE))
    await _share(
        slack,
        send,
        "사업자등록증.png",
        samples.certificate_png(["220-81-62517", "Hanbit Technology"]),
        "image/png",
    )
    await _share(
        slack,
        send,
        "corporate-card.jpg",
        samples.card_jpeg(CARD_NUMBER, nhn.valid_thru),
        "image/jpeg",
        text="카드",
    )
    nhn.script("business", *(certificate_reply(*page) for page in VENDOR_PACK))
    await _share(
        slack,
        send,
        "vendor-pack.pdf",
        samples.certificates_pdf([[number, name] for number, name, *_ in VENDOR_PACK]),
        "application/pdf",
    )


async def _share(
    slack: FakeSlack,
    send: SlackRequestSender,
    name: str,
    content: bytes,
    mimetype: str,
    *,
    text: str = "",
) -> None:
    filetype = name.rsplit(".", 1)[-1]
    file = slack.add_file(name, content, mimetype, filetype, channel=CHANNEL, user=UPLOADER)
    event = file_share_message(file, channel=CHANNEL, user=UPLOADER, text=text)
    await send.event(event)
    await _until(lambda: bool({DONE, FAILED} & set(slack.reactions_on(CHANNEL, event["ts"]))))
    print(f"━━ #{CHANNEL}: {UPLOADER} shared {name} {text}".rstrip())
    for reply in slack.replies(CHANNEL, event["ts"]):
        print(_indented(readable(reply)))
    for call in slack.calls_to("chat.postEphemeral"):
        if call.params.get("thread_ts") == event["ts"] and call.error is None:
            print(_indented(f"(only {call.params['user']} sees this)\n{readable(call.params)}"))
    for upload in slack.uploads:
        if upload.thread_ts == event["ts"]:
            print(_indented(f"(file in the thread: {upload.filename})"))
    print()


async def _show_bizstatus(slack: FakeSlack, send: SlackRequestSender) -> None:
    response_url = slack.response_url()
    await send.command("220-81-62517 124-81-00998 120-88-00767", response_url=response_url)
    await _until(lambda: bool(slack.responses(response_url)))
    print("━━ /bizstatus 220-81-62517 124-81-00998 120-88-00767")
    for body in slack.responses(response_url):
        print(_indented(readable(body)))
    print()


async def _show_alerts(slack: FakeSlack) -> None:
    """What the team channel heard: a closed business among those just read or looked up."""
    await _until(lambda: bool(slack.calls_to("chat.postMessage") and _alerts(slack)))
    print(f"━━ #{ALERTS} (NOTIFY_CHANNEL)")
    for alert in _alerts(slack):
        print(_indented(readable(alert)))
    print()


def _alerts(slack: FakeSlack) -> list[dict[str, object]]:
    return [
        call.params
        for call in slack.calls_to("chat.postMessage")
        if call.params.get("channel") == ALERTS and call.error is None
    ]


def _indented(text: str) -> str:
    return "\n".join("   " + line for line in text.splitlines())


async def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + ANSWER_TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("The bot did not answer in time; see the log above.")
        await asyncio.sleep(0.1)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
