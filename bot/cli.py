"""The `ocrbot` command (also `python -m bot`): run the bot, analyse files, look up
statuses and re-check the watchlist from the terminal.

Exit codes: 0 success, 1 an API or network failure, 2 bad input or configuration;
`verify` exits 3 when the details do not match the register.
"""

import argparse
import asyncio
import gc
import importlib.metadata
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.blocks.errors import explain
from bot.cli_messages import (
    BAD_DATE,
    BAD_NUMBER,
    NEEDS_NTS_KEY,
    NO_REPRESENTATIVE,
    RECHECKED,
    TRY_ANYWAY,
    operator_note,
)
from bot.config import ConfigError, LogFormat, Settings, load_settings
from bot.domain import bizno
from bot.domain.authenticity import (
    Details,
    Verdict,
    opening_date,
    representative_names,
    typed_number,
)
from bot.errors import BotError, InputError
from bot.logs import configure_logging
from bot.ocr import DocumentKind, OcrClient
from bot.services.analysis import AnalysisService
from bot.services.authenticity import AuthenticityChecker
from bot.services.status import StatusService
from bot.terminal import (
    analysis_json,
    authenticity_json,
    error_json,
    render,
    render_authenticity,
    render_change,
    render_status,
    status_json,
)

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT, EXIT_MISMATCH = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ocrbot", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    parser.add_argument(
        "--version", action="version", version=f"ocrbot {importlib.metadata.version('ocrbot')}"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    analyze = commands.add_parser("analyze", help="read a certificate or card image")
    analyze.add_argument("file", type=Path)
    analyze.add_argument(
        "--kind",
        choices=[k.value for k in DocumentKind],
        default=DocumentKind.BUSINESS.value,
        help="what the file shows (default: business)",
    )
    analyze.add_argument("--json", action="store_true", help="print the normalised result")

    status = commands.add_parser("status", help="look up business registration statuses")
    status.add_argument("numbers", nargs="+", metavar="NUMBER")
    status.add_argument("--json", action="store_true")
    status.add_argument(
        "--anyway",
        action="store_true",
        help="look up numbers whose check digit differs from the usual rule too",
    )

    verify = commands.add_parser(
        "verify",
        help="check certificate details against the NTS register (exit 0 match, 3 mismatch)",
    )
    verify.add_argument("number", metavar="NUMBER")
    verify.add_argument("--opened", required=True, help="the opening date, YYYY-MM-DD")
    verify.add_argument(
        "--representative", required=True, help="the representative (joint: comma-separated)"
    )
    verify.add_argument("--name", default="", help="the company name, compared when given")
    verify.add_argument("--json", action="store_true")

    run = commands.add_parser("run", help="run the Slack bot (Socket Mode unless --http)")
    run.add_argument("--http", action="store_true", help="serve HTTP at /slack/events")
    run.add_argument("--host", default="0.0.0.0", help="address to listen on (HTTP mode)")  # noqa: S104
    run.add_argument(
        "--port",
        type=int,
        help="HTTP port (default 3000); in Socket Mode, serves /health and /metrics there",
    )

    recheck = commands.add_parser(
        "recheck", help="re-check every watched business that is due, then exit (for cron)"
    )
    recheck.add_argument(
        "--all",
        action="store_true",
        help="re-check every watched business now, due or not (after an outage)",
    )

    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="apply schema migrations")
    return parser


def _say_error(error: BotError, settings: Settings) -> int:
    print(explain(error)(settings.language), file=sys.stderr)
    note = operator_note(error)
    if note is not None:
        print(note(settings.language), file=sys.stderr)
    return EXIT_BAD_INPUT if isinstance(error, InputError) else EXIT_FAILURE


async def _analyze(args: argparse.Namespace, settings: Settings) -> int:
    try:
        image = args.file.read_bytes()
    except OSError as error:
        print(f"{args.file}: {error.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT
    async with (
        OcrClient(settings) as ocr,
        AuthenticityChecker.from_settings(settings) as checker,
    ):
        # STATUS_PROVIDER is honoured, so that with `nts` a match brings its status along.
        status = StatusService.from_settings(settings, ocr=ocr, history=None)
        service = AnalysisService(ocr, settings, status=status, authenticity=checker)
        try:
            analysis = await service.analyze(DocumentKind(args.kind), image, args.file.name)
        except BotError as error:
            return _say_error(error, settings)
        finally:
            await status.aclose()
    lang = settings.language
    print(
        json.dumps(analysis_json(analysis, lang), ensure_ascii=False, indent=2)
        if args.json
        else render(analysis, lang)
    )
    results = getattr(analysis, "results", ())
    failed = any(
        result.status_error is not None
        or (result.authenticity is not None and result.authenticity.error is not None)
        for result in results
    )
    return EXIT_FAILURE if failed else EXIT_OK


async def _verify(args: argparse.Namespace, settings: Settings) -> int:
    """Details typed by hand: 0 when they match the register, 3 when they do not."""
    lang = settings.language
    details = Details(
        number=typed_number(args.number),
        opened=opening_date(args.opened),
        representatives=representative_names(args.representative),
        name=" ".join(args.name.split()),
    )
    problems = [
        text(lang)
        for text, wrong in (
            (BAD_NUMBER, details.number is None),
            (BAD_DATE, details.opened is None),
            (NO_REPRESENTATIVE, not details.representatives),
        )
        if wrong
    ]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return EXIT_BAD_INPUT
    if settings.nts_service_key is None:
        print(NEEDS_NTS_KEY(lang), file=sys.stderr)
        return EXIT_BAD_INPUT
    async with AuthenticityChecker.from_settings(settings) as checker:
        check = await checker.check(details)
    if args.json:
        print(json.dumps(authenticity_json(check, lang), ensure_ascii=False))
    else:
        print("\n".join(render_authenticity(check, lang)))
    if check.error is not None:
        return EXIT_FAILURE
    return EXIT_OK if check.verdict is Verdict.MATCH else EXIT_MISMATCH


async def _status(args: argparse.Namespace, settings: Settings) -> int:
    lang = settings.language
    numbers: list[str] = []
    bad = False
    for raw in args.numbers:
        try:
            digits = bizno.possible(raw) if args.anyway else bizno.validate(raw)
        except bizno.InvalidBusinessNumber as error:
            hint = f" {TRY_ANYWAY(lang)}" if error.reason == "checksum" else ""
            print(f"{raw}: {error.message(lang)}{hint}", file=sys.stderr)
            bad = True
        else:
            numbers.append(digits)
    if bad:
        return EXIT_BAD_INPUT
    async with OcrClient(settings) as ocr:
        # STATUS_PROVIDER is honoured, as by the bot; no store to cache in, so each number
        # is asked once, every run.
        status = StatusService.from_settings(settings, ocr=ocr, history=None)
        try:
            answers = await status.check_many(numbers)
        finally:
            await status.aclose()
    code = EXIT_OK
    for number in numbers:
        result = answers[number]
        if isinstance(result, BotError):
            code = max(code, _say_error(result, settings))
            if args.json:
                print(
                    json.dumps(
                        {"number": number, "error": error_json(result, lang)}, ensure_ascii=False
                    )
                )
        elif args.json:
            print(json.dumps(status_json(result, lang), ensure_ascii=False))
        else:
            print(render_status(result, lang))
    return code


# The Slack runtime and the store are imported where used: `analyze` and `status`
# start faster without slack_bolt, aiohttp and SQLAlchemy.


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot import allocator
    from bot.runtime import run_until_stopped

    allocator.tune()
    # What the imports made lives as long as the process: kept out of the collector's
    # passes, which walked it all again every full collection (4.3% of the CPU of a burst
    # of uploads in perf's samples, 0.8% after).
    gc.freeze()

    port = 3000 if args.http and args.port is None else args.port
    await run_until_stopped(settings, http=args.http, host=args.host, port=port)
    return EXIT_OK


async def _recheck(args: argparse.Namespace, settings: Settings) -> int:
    """Passes until nothing is due (failed lookups are due again soon, so this ends), or
    with --all one pass over every watch; then what changed, and the counts."""
    from bot.services.container import Services, utc_now

    services = await Services.start(settings)
    claimed = failed = 0
    changes = []
    try:
        if args.all:
            done = await services.watchlist.recheck_all(now=utc_now, limit=settings.watch_batch)
            claimed, failed, changes = done.claimed, done.failed, list(done.changed)
        else:
            while True:
                done = await services.watchlist.recheck_due(
                    now=utc_now(), limit=settings.watch_batch
                )
                if not done.claimed:
                    break
                claimed, failed = claimed + done.claimed, failed + done.failed
                changes.extend(done.changed)
    finally:
        await services.aclose()
    lang = settings.language
    for change in changes:
        watch = change.watch
        old = watch.last_status_code or ""
        print(render_change(watch.business_number, watch.label, old, change.new, lang))
    print(RECHECKED.format(checked=claimed - failed, failed=failed)(lang))
    return EXIT_FAILURE if failed else EXIT_OK


async def _db(args: argparse.Namespace, settings: Settings) -> int:
    from bot.store import upgrade

    await upgrade(settings.database_url)
    print("Database schema is up to date.")
    return EXIT_OK


def _log_level(args: argparse.Namespace, settings: Settings) -> int:
    """-v, else LOG_LEVEL when set; unset, the commands that print a result to the terminal
    log warnings only, so that their output is not buried."""
    if args.verbose:
        return logging.DEBUG
    if "log_level" in settings.model_fields_set:
        return logging.getLevelNamesMapping()[settings.log_level]
    return logging.WARNING if args.command in ("analyze", "status", "verify") else logging.INFO


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(
            _log_level(args, settings),
            secrets=settings.secrets(),
            json_lines=settings.log_format is LogFormat.JSON,
        )
        if args.command == "run":
            settings.check_run(http=args.http)  # NHN and Slack together, in one message
        elif args.command not in ("db", "verify"):  # verify asks only the NTS
            settings.ocr_api_version()
        handler = {
            "analyze": _analyze,
            "status": _status,
            "verify": _verify,
            "run": _run,
            "recheck": _recheck,
            "db": _db,
        }[args.command]
        return asyncio.run(handler(args, settings))
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
