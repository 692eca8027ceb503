"""`ocrbot analyze` of a vendor pack and `ocrbot verify`: real processes against the fakes."""

import json
from pathlib import Path

import pytest
from PIL import Image

from fakes.nhn import NhnFake, Reply
from fakes.nts import CLOSED, NtsFake, Registered
from tests.ocr.images import numbered_pdf
from tests.test_cli import run_cli

NUMBER = "2208162517"


def nts_env(fake: NtsFake, provider: str = "nts") -> dict[str, str]:
    return {
        "NTS_SERVICE_KEY": fake.service_key,
        "NTS_BASE_URL": fake.base_url,
        "STATUS_PROVIDER": provider,
    }


def certificate(number: str, name: str) -> Reply:
    pairs = [
        ("등록번호", number),
        ("상호", name),
        ("대표자", "김민준"),
        ("개업연월일", "2012 년 03 월 05 일"),
    ]
    return Reply.ok(
        {
            "fileType": "png",
            "unitType": "pixel",
            "keyValues": [{"key": k, "value": v, "conf": 0.97} for k, v in pairs],
            "boxes": [],
        }
    )


PACK = [("220-81-62517", "가나상사"), ("124-81-00998", "다라상사"), ("120-88-00767", "마바상사")]


@pytest.fixture
def pack(tmp_path: Path, fake_nhn: NhnFake, fake_nts: NtsFake) -> Path:
    fake_nhn.script("business", *[certificate(number, name) for number, name in PACK])
    for number, name in PACK[:2]:
        fake_nts.register[number.replace("-", "")] = Registered("20120305", ("김민준",), name)
    fake_nts.businesses["1248100998"] = CLOSED
    path = tmp_path / "pack.pdf"
    path.write_bytes(numbered_pdf(3))
    return path


def test_analyze_prints_every_certificate_of_a_pdf(
    tmp_path: Path, fake_nhn: NhnFake, fake_nts: NtsFake, pack: Path
) -> None:
    env = {**fake_nhn.env(), **nts_env(fake_nts), "LANGUAGE": "en"}
    done = run_cli(tmp_path, env, "analyze", str(pack))

    assert done.returncode == 0, done.stderr
    out = done.stdout
    for page, (number, name) in enumerate(PACK, 1):
        assert f"── Page {page} ──" in out
        assert f"→ {number}" in out
        assert f"Trade name: {name}" in out
    assert out.index("220-81-62517") < out.index("124-81-00998") < out.index("120-88-00767")
    assert out.count("Authenticity: matches the NTS register") == 2
    assert out.count("Authenticity: does not match the NTS register") == 1
    assert out.count("Status: ") == 3
    assert "Status: 124-81-00998  06" in out
    # All three in one call; then the mismatch once more without its name.
    assert [[b["b_no"] for b in call] for call in fake_nts.validations()] == [
        ["2208162517", "1248100998", "1208800767"],
        ["1208800767"],
    ]
    assert fake_nhn.calls("business/status") == 0  # STATUS_PROVIDER=nts: from the NTS


def test_analyze_json_gives_a_list_of_pages(
    tmp_path: Path, fake_nhn: NhnFake, fake_nts: NtsFake, pack: Path
) -> None:
    done = run_cli(
        tmp_path, {**fake_nhn.env(), **nts_env(fake_nts)}, "analyze", str(pack), "--json"
    )

    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    pages = answer["pages"]
    assert [page["page"] for page in pages] == [1, 2, 3]
    assert [page["registration_number"]["text"] for page in pages] == [n for n, _ in PACK]
    assert [page["status"]["code"] for page in pages] == ["01", "06", "01"]
    assert [page["authenticity"]["verdict"] for page in pages] == ["match", "match", "mismatch"]
    assert pages[0]["authenticity"]["compared"]["opened"] == "20120305"
    assert answer["authenticity_checked"] is True


def test_analyze_without_an_nts_key_says_authenticity_is_off(
    tmp_path: Path, fake_nhn: NhnFake
) -> None:
    photo = tmp_path / "scan.png"
    Image.new("RGB", (1400, 900), "white").save(photo, "PNG")
    done = run_cli(tmp_path, {**fake_nhn.env(), "LANGUAGE": "en"}, "analyze", str(photo))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("set NTS_SERVICE_KEY to turn it on") == 1
    assert "Status: 220-81-62517  01" in done.stdout


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["--opened", "2012-03-05", "--representative", "김민준"], 0, "matches the NTS register"),
        (
            ["--opened", "2012-03-05", "--representative", "김민준", "--name", "가나상사"],
            0,
            "matches the NTS register",
        ),
        (["--opened", "2012-03-06", "--representative", "김민준"], 3, "does not match"),
        (
            ["--opened", "2012-03-05", "--representative", "김민준", "--name", "다른상사"],
            3,
            "the company name does not",
        ),
    ],
)
def test_verify_checks_details_typed_by_hand(
    tmp_path: Path, fake_nts: NtsFake, args: list[str], code: int, said: str
) -> None:
    fake_nts.register[NUMBER] = Registered("20120305", ("김민준",), "가나상사")
    env = {**nts_env(fake_nts, "nhn"), "LANGUAGE": "en"}  # no NHN settings: not needed

    done = run_cli(tmp_path, env, "verify", "220-81-62517", *args)

    assert done.returncode == code, done.stderr
    assert said in done.stdout
    assert "Compared: 220-81-62517 / 2012-03-0" in done.stdout


def test_verify_json(tmp_path: Path, fake_nts: NtsFake) -> None:
    fake_nts.register[NUMBER] = Registered("20120305", ("김민준", "이서연"))
    done = run_cli(
        tmp_path,
        nts_env(fake_nts),
        "verify",
        NUMBER,
        "--opened",
        "2012-03-05",
        "--representative",
        "이서연, 김민준",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["verdict"] == "match"
    assert answer["compared"]["representatives"] == ["이서연", "김민준"]


def test_verify_exit_codes_for_input_configuration_and_outage(
    tmp_path: Path, fake_nts: NtsFake
) -> None:
    bad = run_cli(
        tmp_path,
        nts_env(fake_nts),
        "verify",
        "12345",
        "--opened",
        "2012-13-01",
        "--representative",
        " ",
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") >= 3  # each problem named
    assert fake_nts.calls == 0

    unset = run_cli(
        tmp_path, {}, "verify", NUMBER, "--opened", "2012-03-05", "--representative", "김민준"
    )
    assert unset.returncode == 2
    assert "NTS_SERVICE_KEY" in unset.stderr

    fake_nts.revoke_key()
    refused = run_cli(
        tmp_path,
        {**nts_env(fake_nts), "LANGUAGE": "en"},
        "verify",
        NUMBER,
        "--opened",
        "2012-03-05",
        "--representative",
        "김민준",
    )
    assert refused.returncode == 1
    assert "did not accept the service key" in refused.stdout
    assert fake_nts.service_key not in refused.stdout + refused.stderr


def test_status_asks_the_provider_status_provider_names(
    tmp_path: Path, fake_nhn: NhnFake, fake_nts: NtsFake
) -> None:
    fake_nts.businesses["1248100998"] = CLOSED
    env = {**fake_nhn.env(), **nts_env(fake_nts), "LANGUAGE": "en"}
    done = run_cli(tmp_path, env, "status", "--json", "220-81-62517", "124-81-00998")

    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [answer["number"] for answer in answers] == ["2208162517", "1248100998"]
    assert fake_nts.batches() == [["2208162517", "1248100998"]]  # one call for both
    assert fake_nhn.calls("business/status") == 0  # nothing paid to NHN


def test_status_with_the_nts_and_no_key_names_the_setting(
    tmp_path: Path, fake_nhn: NhnFake
) -> None:
    env = {**fake_nhn.env(), "STATUS_PROVIDER": "nts", "LANGUAGE": "en"}
    done = run_cli(tmp_path, env, "status", "220-81-62517")

    assert done.returncode == 2
    assert "NTS_SERVICE_KEY" in done.stderr
    assert "Traceback" not in done.stderr
    assert fake_nhn.calls("business/status") == 0
