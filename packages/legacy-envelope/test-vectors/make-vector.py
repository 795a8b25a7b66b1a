"""Writes the legacy-envelope known-answer vector the way the tutorial script archived contacts.

The tutorial gzipped JSON Lines (one contact record per line, written with json.dumps defaults),
derived a key with PBKDF2-HMAC-SHA256 (480000 iterations, 16-byte random salt, 32-byte key) and
encrypted with AES-256-GCM (12-byte random nonce; cryptography's AESGCM appends the 16-byte tag to
the ciphertext), then wrote {"salt", "nonce", "ciphertext"} as base64 in a JSON file.

Run from this directory: python3 make-vector.py
Outputs: tutorial-envelope.json (the envelope), tutorial-records.jsonl (its plaintext JSON Lines),
passphrase.txt (the passphrase, with the trailing newline an editor leaves).
"""

import base64
import gzip
import hashlib
import json
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PASSPHRASE = "correct horse battery staple"
ITERATIONS = 480000

RECORDS = [
    {
        "contactId": 583920114,
        "contactStart": "2024-03-04T09:15:02.000Z",
        "agentName": "Ana Lima",
        "mediaType": "PhoneCall",
        "durationSeconds": 312,
        "tags": ["billing", "refund"],
    },
    {
        "contactId": 583920187,
        "contactStartDate": "2024-03-04T10:02:45+00:00",
        "agentName": "Jörg Müller",
        "mediaType": "Chat",
        "durationSeconds": 95.5,
        "disposition": None,
    },
    {
        "contactId": "583920201",
        "contactStart": "2024-03-05T16:40:00Z",
        "agentName": "Chloé Martin",
        "mediaType": "Email",
        "notes": "line one\nline two, with a \"quote\"",
        "transferred": False,
    },
]


def main() -> None:
    plaintext = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS).encode("utf-8")
    salt = os.urandom(16)
    key = hashlib.pbkdf2_hmac("sha256", PASSPHRASE.encode("utf-8"), salt, ITERATIONS, dklen=32)
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, gzip.compress(plaintext), None)
    envelope = {
        "salt": base64.b64encode(salt).decode("ascii"),
        "nonce": base64.b64encode(nonce).decode("ascii"),
        "ciphertext": base64.b64encode(ciphertext).decode("ascii"),
    }
    with open("tutorial-envelope.json", "w", encoding="utf-8") as f:
        json.dump(envelope, f, indent=2)
        f.write("\n")
    with open("tutorial-records.jsonl", "wb") as f:
        f.write(plaintext)
    with open("passphrase.txt", "w", encoding="utf-8") as f:
        f.write(PASSPHRASE + "\n")


if __name__ == "__main__":
    main()
