"""The baseline `make bench` measures the bot against: what a team would write from Bolt's
samples, with none of the bot's machinery.

A synchronous Bolt `App` on Bolt's own development server (one request at a time, each
acknowledged before its listener runs on Bolt's default five-thread executor), blocking
HTTP, a full-size image preflight, no store, no deduplication. It reads the same settings
as the bot (`SLACK_*`, `NHN_*` for API v1.1) and answers uploads and `/bizstatus` in the
same places, so one scenario can drive either and count the same things.

Run as `python -m bench.naive_bot --port 3000`. Not part of the bot, and not a model for it.
"""

import argparse
import io
import logging
import os
import re
from typing import Any

import httpx
from PIL import Image, ImageOps
from slack_bolt import Ack, App, Respond
from slack_bolt.app.app import SlackAppDevelopmentServer
from slack_sdk import WebClient

CARD_WORDS = re.compile(r"card|카드", re.IGNORECASE)
TEN_DIGITS = re.compile(r"\d{3}-?\d{2}-?\d{5}")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
ORIENTATION = 0x0112  # the EXIF tag
JPG, JPEG = "upload.jpg", "image/jpeg"
# One client for the process, as any sample that calls an API more than once keeps: a new
# httpx client per call builds a TLS context each time (about 28 ms of CPU here), which would
# flatter the bot's ratio to this baseline.
HTTP = httpx.Client(timeout=30)


class Nhn:
    """NHN Document OCR v1.1 with one token, fetched at start."""

    def __init__(self) -> None:
        base = os.environ["NHN_OCR_BASE_URL"].rstrip("/")
        self.url = f"{base}/v1.1/appkeys/{os.environ['NHN_OCR_APP_KEY']}"
        token = HTTP.post(
            os.environ["NHN_OAUTH_URL"].rstrip("/") + "/oauth2/token/create",
            data={"grant_type": "client_credentials"},
            auth=(os.environ["NHN_USER_ACCESS_KEY_ID"], os.environ["NHN_SECRET_ACCESS_KEY"]),
        ).json()["access_token"]
        self.headers = {"X-NHN-Authorization": f"Bearer {token}"}

    def read(self, endpoint: str, upload: tuple[bytes, str, str]) -> dict[str, Any]:
        data, name, content_type = upload
        files = {"image": (name, data, content_type)}
        answer = HTTP.post(f"{self.url}/{endpoint}", files=files, headers=self.headers)
        result: dict[str, Any] = answer.json().get("result") or {}
        return result

    def status(self, number: str) -> str:
        answer = HTTP.post(
            f"{self.url}/business/status",
            json={"businessNumber": number},
            headers=self.headers,
        )
        result = answer.json().get("result") or {}
        return str(result.get("statusCode", "?"))


def prepared(data: bytes) -> tuple[bytes, str, str]:
    """(bytes, file name, type) to send: the file as it came when NHN can take it (a JPEG
    or PNG under the upload limit, upright), else the whole image turned upright and encoded
    again as a JPEG, as the samples' preflight does."""
    with Image.open(io.BytesIO(data)) as image:
        kind = image.format
        upright = kind == "PNG" or image.getexif().get(ORIENTATION, 1) == 1
        if kind in ("JPEG", "PNG") and upright and len(data) <= MAX_UPLOAD_BYTES:
            return (data, "upload.png", "image/png") if kind == "PNG" else (data, JPG, JPEG)
        turned = ImageOps.exif_transpose(image).convert("RGB")
    output = io.BytesIO()
    turned.save(output, "JPEG", quality=90)
    return output.getvalue(), JPG, JPEG


def create_app(nhn: Nhn) -> App:
    client = WebClient(
        token=os.environ["SLACK_BOT_TOKEN"],
        base_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/"),
    )
    app = App(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.event("message")
    def on_message(event: dict[str, Any], client: WebClient) -> None:
        if event.get("subtype") != "file_share":
            return
        for file in event.get("files") or []:
            data = HTTP.get(
                file["url_private_download"],
                headers={"Authorization": f"Bearer {client.token}"},
            ).content
            upload = prepared(data)
            if CARD_WORDS.search(f"{event.get('text') or ''} {file.get('name') or ''}"):
                result = nhn.read("credit-card", upload)
                groups = result.get("cardNums") or [{}]
                text = f"Card ending {str(groups[-1].get('value', ''))[-4:]}"
            else:
                result = nhn.read("business", upload)
                fields = {kv["key"]: kv["value"] for kv in result.get("keyValues") or []}
                number = re.sub(r"\D", "", fields.get("등록번호", ""))
                status = nhn.status(number) if len(number) == 10 else "?"
                text = f"Registration number {number}: status {status}"
            client.chat_postMessage(channel=event["channel"], thread_ts=event["ts"], text=text)

    @app.event("file_shared")
    def on_file_shared() -> None:
        """The upload's message event answers it."""

    @app.command("/bizstatus")
    def bizstatus(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        found = TEN_DIGITS.search(command.get("text") or "")
        if found is None:
            respond("Usage: /bizstatus 220-81-62517")
            return
        number = re.sub(r"\D", "", found.group())
        respond(f"{number}: status {nhn.status(number)}")

    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.naive_bot", description=__doc__)
    parser.add_argument("--port", type=int, default=3000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    app = create_app(Nhn())
    SlackAppDevelopmentServer(
        port=args.port, path="/slack/events", app=app, http_server_logger_enabled=False
    ).start()


if __name__ == "__main__":
    main()
