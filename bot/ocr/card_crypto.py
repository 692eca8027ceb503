"""The envelope of NHN's credit-card API v2.1: the card travels encrypted both ways.

Per request a fresh 32-byte key is made; NHN's RSA public key wraps it (PKCS#1 v1.5)
for the `Symmetric-Key` header, and it encrypts the image and opens the number fields
of the answer with AES-256-CBC, PKCS#7 padding, IV = its first 16 bytes (FACTS.md,
"Credit card API v2.1"). The key lives only inside a `CardEnvelope`, which has no
accessor for it and no repr that shows it.

NHN's guide warns to check which values are Base64. What this module assumes:
- the public key (`result.key`) is Base64 (the guide says so): of a DER
  SubjectPublicKeyInfo or a PKCS#1 RSAPublicKey, whichever it holds; a PEM text is
  taken too, and line breaks inside the Base64 are ignored;
- the wrapped key in `Symmetric-Key` is sent as standard Base64, as a header must be text;
- the encrypted image is sent as raw bytes: a multipart part carries binary, and the
  guide describes the field as the encrypted image file, not as text;
- each encrypted answer field is Base64 text (JSON cannot carry binary); the standard
  and the URL-safe alphabets are both read, with or without padding.
"""

import base64
import binascii
import re
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

# cryptography (some 8 MB) is imported where a v2.1 card is first handled: a bot on
# card API v1.0, or reading only certificates, never loads it.
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

KEY_BYTES = 32
IV_BYTES = 16
SYMMETRIC_KEY_HEADER = "Symmetric-Key"
KEY_VERSION_HEADER = "X-Key-Version"

_BLOCK_BITS = 128  # AES's block
_SLICE_BYTES = 256 * 1024
_WHITESPACE = re.compile(r"\s+")


class CardCryptoError(ValueError):
    """A key or a field that cannot be used; the message never holds the value itself."""


@dataclass(frozen=True, slots=True, eq=False)
class PublicKey:
    """NHN's public key for the card API, with the version that names it in requests."""

    version: str
    key: "RSAPublicKey" = field(repr=False)


def load_public_key(key: Any, version: Any) -> PublicKey:
    """The key from a public-key answer's `result.key` and `result.version`."""
    if not isinstance(key, str) or not key.strip():
        raise CardCryptoError("public key: no key text")
    if isinstance(version, bool) or not isinstance(version, str | int):
        raise CardCryptoError("public key: no version")
    version = str(version)
    # It goes back in a header: printable ASCII only.
    if not (version and version.isascii() and version.isprintable() and len(version) <= 64):
        raise CardCryptoError("public key: no version usable in a header")
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

    text = key.strip()
    try:
        if text.startswith("-----BEGIN"):
            loaded = serialization.load_pem_public_key(text.encode("ascii"))
        else:
            loaded = serialization.load_der_public_key(_from_base64(text))
    except (ValueError, UnicodeError, UnsupportedAlgorithm):
        raise CardCryptoError("public key: neither Base64 DER nor PEM") from None
    if not isinstance(loaded, RSAPublicKey):
        raise CardCryptoError("public key: not an RSA key")
    return PublicKey(version=version, key=loaded)


class CardEnvelope:
    """One request's symmetric key: seals the image, opens the answer's number fields."""

    __slots__ = ("__key", "headers")

    def __init__(self, public_key: PublicKey) -> None:
        from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding

        key = secrets.token_bytes(KEY_BYTES)
        wrapped = public_key.key.encrypt(key, rsa_padding.PKCS1v15())
        self.__key = key
        self.headers = {
            SYMMETRIC_KEY_HEADER: base64.b64encode(wrapped).decode("ascii"),
            KEY_VERSION_HEADER: public_key.version,
        }

    def seal(self, data: bytes) -> bytes:
        """`data` encrypted as NHN expects the image: AES-256-CBC, PKCS#7, IV from the key.

        In slices, so that a worker thread sealing a 5 MB photo (about 30 ms) lets the
        event loop run between them."""
        from cryptography.hazmat.primitives import padding

        padder = padding.PKCS7(_BLOCK_BITS).padder()
        encryptor = self._cipher().encryptor()
        view = memoryview(data)
        parts = [
            encryptor.update(padder.update(view[start : start + _SLICE_BYTES]))
            for start in range(0, len(view), _SLICE_BYTES)
        ]
        parts.append(encryptor.update(padder.finalize()) + encryptor.finalize())
        return b"".join(parts)

    def open(self, sealed: str) -> str:
        """The text of one encrypted answer field (Base64 of the ciphertext)."""
        ciphertext = _from_base64(sealed)
        if not ciphertext or len(ciphertext) % (_BLOCK_BITS // 8):
            raise CardCryptoError("not whole AES blocks")
        from cryptography.hazmat.primitives import padding

        decryptor = self._cipher().decryptor()
        unpadder = padding.PKCS7(_BLOCK_BITS).unpadder()
        try:
            plain = decryptor.update(ciphertext) + decryptor.finalize()
            text = (unpadder.update(plain) + unpadder.finalize()).decode("utf-8")
        except ValueError:  # bad padding or not UTF-8: the wrong key, or not ciphertext
            raise CardCryptoError("does not decrypt under this request's key") from None
        return text

    def _cipher(self) -> "Cipher[modes.CBC]":
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        return Cipher(algorithms.AES(self.__key), modes.CBC(self.__key[:IV_BYTES]))

    def __repr__(self) -> str:
        return f"CardEnvelope(version={self.headers[KEY_VERSION_HEADER]!r})"

    def __reduce__(self) -> NoReturn:
        raise TypeError("a CardEnvelope cannot be pickled: it would carry the key")


def _from_base64(text: str) -> bytes:
    """Base64 in the standard or URL-safe alphabet, padded or not, line breaks ignored."""
    compact = _WHITESPACE.sub("", text).replace("-", "+").replace("_", "/")
    compact += "=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise CardCryptoError("not Base64") from None
