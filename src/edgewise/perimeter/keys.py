"""The node's Ed25519 signing key for ledger checkpoints (private key mode 600, public key beside it)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from edgewise.config import write_secret
from edgewise.errors import InvalidRequest, NotFound

PRIVATE_NAME = "ledger-signing.key"
PUBLIC_NAME = "ledger-signing.pub"


def load_or_create_signing_key(directory: Path) -> Ed25519PrivateKey:
    priv_path = directory / PRIVATE_NAME
    if priv_path.is_file():
        key = serialization.load_pem_private_key(priv_path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{priv_path} is not an Ed25519 private key")
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    write_secret(priv_path, pem)
    pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (directory / PUBLIC_NAME).write_bytes(pub)
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The node's Ed25519 public key from a PEM file (what an auditor verifies the ledger with)."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except FileNotFoundError:
        raise NotFound(f"No public key at {path}; pass --public-key with the node's {PUBLIC_NAME} "
                       "(it sits next to the ledger on the node).") from None
    except (OSError, ValueError) as exc:
        raise InvalidRequest(f"{path} is not a PEM public key ({str(exc).split('. ')[0]}).") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidRequest(f"{path} is a PEM key, but not an Ed25519 public key; the ledger is signed with Ed25519.")
    return key


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "SHA256:" + hashlib.sha256(raw).hexdigest()[:32]


__all__ = ["PRIVATE_NAME", "PUBLIC_NAME", "fingerprint", "load_or_create_signing_key", "load_public_key"]
