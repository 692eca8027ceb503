"""The v2.1 envelope against FACTS.md, checked with `cryptography` directly: RSA/ECB/PKCS1
for the 32-byte key, AES-256-CBC with PKCS#7 and IV = the key's first 16 bytes."""

import base64
import pickle
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.ocr.card_crypto import CardCryptoError, CardEnvelope, load_public_key


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def key_text(private_key: rsa.RSAPrivateKey, encoding: str, form: str) -> str:
    public = private_key.public_key()
    public_format = {
        "spki": serialization.PublicFormat.SubjectPublicKeyInfo,
        "pkcs1": serialization.PublicFormat.PKCS1,
    }[form]
    if encoding == "pem":
        return public.public_bytes(serialization.Encoding.PEM, public_format).decode()
    der = public.public_bytes(serialization.Encoding.DER, public_format)
    if encoding == "base64-wrapped":  # as Java's MIME encoder writes it
        return base64.encodebytes(der).decode()
    return base64.b64encode(der).decode()


def unwrapped_key(private_key: rsa.RSAPrivateKey, envelope: CardEnvelope) -> bytes:
    wrapped = base64.b64decode(envelope.headers["Symmetric-Key"], validate=True)
    return private_key.decrypt(wrapped, rsa_padding.PKCS1v15())


def aes(key: bytes) -> Cipher[modes.CBC]:
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def seal_text(key: bytes, text: str) -> bytes:
    padder = padding.PKCS7(128).padder()
    encryptor = aes(key).encryptor()
    data = padder.update(text.encode()) + padder.finalize()
    return encryptor.update(data) + encryptor.finalize()


@pytest.mark.parametrize(
    ("encoding", "form"),
    [
        ("base64", "spki"),
        ("base64", "pkcs1"),
        ("base64-wrapped", "spki"),
        ("pem", "spki"),
        ("pem", "pkcs1"),
    ],
)
def test_the_public_key_is_read_in_each_form(
    private_key: rsa.RSAPrivateKey, encoding: str, form: str
) -> None:
    loaded = load_public_key(key_text(private_key, encoding, form), 3)
    assert loaded.version == "3"
    assert loaded.key.public_numbers() == private_key.public_key().public_numbers()
    assert "key=" not in repr(loaded)


@pytest.mark.parametrize(
    ("key", "version", "says"),
    [
        ("", "1", "no key text"),
        (None, "1", "no key text"),
        ("%%%", "1", "neither Base64 DER nor PEM"),
        (base64.b64encode(b"not a key").decode(), "1", "neither Base64 DER nor PEM"),
        ("KEY", None, "no version"),
        ("KEY", "", "no version usable in a header"),
        ("KEY", "1\r\nX-Injected: 1", "no version usable in a header"),
        ("KEY", True, "no version"),
    ],
)
def test_an_unusable_public_key_is_refused(key: object, version: object, says: str) -> None:
    with pytest.raises(CardCryptoError, match=says):
        load_public_key(key, version)


def test_a_key_that_is_not_rsa_is_refused() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = ec_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(CardCryptoError, match="not an RSA key"):
        load_public_key(base64.b64encode(der).decode(), "1")


def test_the_envelope_is_what_facts_md_describes(private_key: rsa.RSAPrivateKey) -> None:
    public = load_public_key(key_text(private_key, "base64", "spki"), "7")
    envelope = CardEnvelope(public)
    assert envelope.headers["X-Key-Version"] == "7"
    key = unwrapped_key(private_key, envelope)
    assert len(key) == 32
    image = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40
    sealed = envelope.seal(image)
    assert len(sealed) % 16 == 0
    assert image[:16] not in sealed
    decryptor = aes(key).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    plain = decryptor.update(sealed) + decryptor.finalize()
    assert unpadder.update(plain) + unpadder.finalize() == image


def test_every_envelope_has_a_fresh_key(private_key: rsa.RSAPrivateKey) -> None:
    public = load_public_key(key_text(private_key, "base64", "spki"), "1")
    keys = {unwrapped_key(private_key, CardEnvelope(public)) for _ in range(20)}
    assert len(keys) == 20


@pytest.mark.parametrize(
    "encode",
    [
        lambda data: base64.b64encode(data).decode(),
        lambda data: base64.urlsafe_b64encode(data).decode(),
        lambda data: base64.b64encode(data).decode().rstrip("="),
        lambda data: base64.encodebytes(data).decode(),
    ],
    ids=["standard", "url-safe", "unpadded", "wrapped"],
)
def test_answer_fields_open_from_each_base64_form(
    private_key: rsa.RSAPrivateKey, encode: Callable[[bytes], str]
) -> None:
    envelope = CardEnvelope(load_public_key(key_text(private_key, "base64", "spki"), "1"))
    key = unwrapped_key(private_key, envelope)
    assert envelope.open(encode(seal_text(key, "4012888888881881"))) == "4012888888881881"
    assert envelope.open(encode(seal_text(key, "12/29"))) == "12/29"


def test_fields_that_do_not_open_are_refused_without_their_value(
    private_key: rsa.RSAPrivateKey,
) -> None:
    public = load_public_key(key_text(private_key, "base64", "spki"), "1")
    envelope, other = CardEnvelope(public), CardEnvelope(public)
    under_another_key = base64.b64encode(
        seal_text(unwrapped_key(private_key, other), "4012888888881881")
    ).decode()
    for sealed in ("4012888888881881", "not base64!", "", under_another_key):
        with pytest.raises(CardCryptoError) as caught:
            envelope.open(sealed)
        assert "4012" not in str(caught.value)
        if sealed:
            assert sealed not in str(caught.value)


def test_the_envelope_shows_no_key(private_key: rsa.RSAPrivateKey) -> None:
    envelope = CardEnvelope(load_public_key(key_text(private_key, "base64", "spki"), "1"))
    key = unwrapped_key(private_key, envelope)
    assert repr(envelope) == "CardEnvelope(version='1')"
    assert [name for name in dir(envelope) if not name.startswith("_")] == [
        "headers",
        "open",
        "seal",
    ]
    assert key.hex() not in repr(envelope)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(envelope)
