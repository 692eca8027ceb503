"""keyValues normalisation: whatever NHN returns, nothing raises and no value is lost."""

import math
from collections import Counter
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.certificate import CertificateField, field_of, normalize

PROPERTY = settings(max_examples=200, deadline=None)
# Keys the bot knows, spaced as OCR writes them, and keys it does not.
KNOWN_KEYS = ["등록번호", "상 호", "법인명(단체명)", "대표자", "사업장 소재지 :", "주소", "업태"]
KEYS = st.one_of(
    st.sampled_from([*KNOWN_KEYS, "", " ", "발급사유", "(", "[]"]), st.text(max_size=12)
)
VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "  ", "\n\t", "<!channel>", "가" * 10_000, "1" * 5_000]),
)
CONFIDENCES = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, -1.0, 0.0, 0.8, 1.0, 1e308, -0.0]),
)
THRESHOLDS = st.floats(min_value=0, max_value=1)


@dataclass(frozen=True)
class Pair:
    key: str
    value: str
    conf: float | None


PAIRS = st.lists(st.builds(Pair, KEYS, VALUES, CONFIDENCES), max_size=25)


def tidy(value: str) -> str:
    return " ".join(value.split())


@PROPERTY
@given(PAIRS, THRESHOLDS)
def test_every_non_empty_value_is_kept_once_tidied(pairs: list[Pair], threshold: float) -> None:
    certificate = normalize(pairs, threshold)
    kept = Counter((reading.key, reading.value) for reading in certificate.readings)
    expected = Counter((pair.key.strip(), tidy(pair.value)) for pair in pairs if tidy(pair.value))
    assert kept == expected


@PROPERTY
@given(PAIRS, THRESHOLDS)
def test_confidences_are_numbers_from_zero_to_one_and_flag_readings_below_the_threshold(
    pairs: list[Pair], threshold: float
) -> None:
    for reading in normalize(pairs, threshold).readings:
        if reading.conf is None:
            assert not reading.low_confidence
        else:
            assert 0 <= reading.conf <= 1
            assert math.copysign(1, reading.conf) == 1  # -0.0 would show as "-0%"
            assert reading.low_confidence is (reading.conf < threshold)


@PROPERTY
@given(PAIRS)
def test_each_field_is_named_once_by_its_most_confident_reading_in_field_order(
    pairs: list[Pair],
) -> None:
    readings = normalize(pairs).readings
    named = [reading.field for reading in readings if reading.field is not None]
    assert named == [field for field in CertificateField if field in named]
    for reading in readings[: len(named)]:
        assert reading.field is not None
        rivals = [r for r in readings if field_of(r.key) is reading.field]
        assert _rank(reading.conf) == max(_rank(rival.conf) for rival in rivals)


def _rank(conf: float | None) -> float:
    return -1.0 if conf is None else conf
