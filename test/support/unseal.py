"""An independent implementation of the Sealed Secrets controller's decryption, for cross-checks.

Reads JSON from stdin: {"privateKey": PEM, "items": [{"label": str, "ciphertext": base64}]}
Writes JSON: [{"ok": true, "value": str} | {"ok": false, "error": str}]
"""
import base64
import json
import struct
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def unseal(private_key, label: bytes, ciphertext: bytes) -> bytes:
    (rsa_len,) = struct.unpack(">H", ciphertext[:2])
    rsa_part = ciphertext[2 : 2 + rsa_len]
    aes_part = ciphertext[2 + rsa_len :]
    session_key = private_key.decrypt(
        rsa_part,
        padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=label or None),
    )
    return AESGCM(session_key).decrypt(b"\x00" * 12, aes_part, None)


def main() -> None:
    request = json.load(sys.stdin)
    key = serialization.load_pem_private_key(request["privateKey"].encode(), password=None)
    results = []
    for item in request["items"]:
        try:
            value = unseal(key, item["label"].encode(), base64.b64decode(item["ciphertext"]))
            results.append({"ok": True, "value": value.decode("utf-8")})
        except Exception as error:  # noqa: BLE001 - every failure is a refusal to unseal
            results.append({"ok": False, "error": type(error).__name__})
    json.dump(results, sys.stdout)


main()
