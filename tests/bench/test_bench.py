"""The benchmark's own arithmetic, and its reading of the bot's preflight log line."""

import logging

import pytest

from bench.scenarios import preflight_lines
from bench.stats import efficiency, ideal_burst_seconds, percentile
from bot.ocr import DocumentKind
from bot.ocr.preflight import prepare
from tests.ocr.images import encode, exif_orientation, marked, stored_sideways


def test_percentiles_are_nearest_rank() -> None:
    assert percentile([10, 20, 30, 40], 50) == 20
    assert percentile([10, 20, 30, 40], 51) == 30
    assert percentile([7], 99) == 7
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_the_ideal_burst_is_bound_by_the_rate_when_the_rate_is_lower() -> None:
    # 2 lookups a second: 199 gaps of half a second, then the last call's latency.
    ideal = ideal_burst_seconds(
        reads=200,
        status_calls=200,
        ocr_concurrency=8,
        ocr_latency_s=0.7,
        status_rate_per_s=2,
        slack_latency_s=0.05,
    )
    assert ideal == pytest.approx(99.5 + 0.7 + 0.1)
    assert efficiency(ideal, ideal * 2) == pytest.approx(0.5)


def test_the_preflight_log_line_of_a_real_photo_is_read_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stored = stored_sideways(marked((1600, 1200)), 6)
    data = encode(stored, "JPEG", quality=90, exif=exif_orientation(6))

    with caplog.at_level(logging.INFO, logger="bot.ocr.preflight"):
        upload = prepare(data, "IMG_0001.jpg", DocumentKind.CARD, 5 << 20)

    [line] = preflight_lines(caplog.text)
    assert line.kind == "card"
    assert line.source_bytes == len(data)
    assert line.sent_size == (upload.width, upload.height)
    assert line.sent_bytes == len(upload.data)
    assert {"decode", "orient", "encode"} <= set(line.stages_ms)
    assert line.cpu_ms == pytest.approx(sum(line.stages_ms.values()), abs=0.5)
