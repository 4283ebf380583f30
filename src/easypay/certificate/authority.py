"""The process's certificate authority, loaded (or made, the first time) from
`settings.var_dir / "pki"` once per process and cached."""

from __future__ import annotations

import threading
from pathlib import Path

from easypay.certificate.pki.authority import Authority, create_authority
from easypay.config import Settings

_lock = threading.Lock()
_cache: dict[tuple[Path, bytes], Authority] = {}


def authority_of(settings: Settings) -> Authority:
    key = (Path(settings.var_dir).resolve() / "pki", settings.server_secret)
    with _lock:
        found = _cache.get(key)
        if found is None:
            found = create_authority(key[0], key[1])
            _cache[key] = found
        return found


def urls(settings: Settings) -> tuple[str, str, str]:
    """The CRL, OCSP and CA-certificates addresses put into every user certificate."""
    base = settings.base_url.rstrip("/")
    return f"{base}/pki/crl", f"{base}/pki/ocsp", f"{base}/pki/ca.pem"
