"""The process's certificate authorities: one root and its issuing CAs ("generations"), loaded
(or made, the first time) from `settings.var_dir / "pki"` and cached.

Rollover: an issuing CA lives 5 years and a user certificate 3, renewed up to 90 days early to
old expiry + 3 years. So once the newest issuing CA has less than `ROLL_WHEN_LEFT` left, the
next call makes generation n+1 under the same root, and new certificates come from it with
their full validity. Older generations stay: each keeps signing the CRL (`/pki/crl/<n>`;
generation 1's is `/pki/crl`, the address its certificates already carry) and the OCSP answers
for its own certificates until they expire. Two processes rolling at once end with the same new
CA (its files are created exclusively; the loser loads the winner's)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from cryptography import x509

from easypay.certificate.pki.authority import (
    Authority,
    certificates_pem,
    create_authority,
    issuing_generations,
)
from easypay.config import Settings
from easypay.kit.clock import clock

# A full renewal reaches at most now + 90 days + 3 years; a little more, for clocks and delays.
ROLL_WHEN_LEFT = timedelta(days=365 * 3 + 120)

_lock = threading.Lock()
_cache: dict[tuple[Path, bytes], Authorities] = {}


@dataclass(frozen=True)
class Authorities:
    generations: tuple[Authority, ...]  # generation 1 first

    def in_force(self) -> list[tuple[int, Authority]]:
        """(generation, authority) of every issuing CA whose validity has begun. (A clock set
        back — as tests do — must not meet a CA made "later".)"""
        now = clock.now()
        found = [
            (number, authority)
            for number, authority in enumerate(self.generations, start=1)
            if authority.issuing_certificate.not_valid_before_utc <= now
        ]
        return found or [(1, self.generations[0])]

    @property
    def current(self) -> Authority:
        """The issuing CA new certificates come from: the newest in force."""
        return self.in_force()[-1][1]

    @property
    def current_generation(self) -> int:
        return self.in_force()[-1][0]

    def generation(self, number: int) -> Authority | None:
        return self.generations[number - 1] if 1 <= number <= len(self.generations) else None

    def generation_of(self, certificate: x509.Certificate) -> int | None:
        """Which issuing CA signed `certificate` (by its authority key identifier)."""
        try:
            aki = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
        except x509.ExtensionNotFound:
            return None
        for number, authority in enumerate(self.generations, start=1):
            ski = authority.issuing_certificate.extensions.get_extension_for_class(
                x509.SubjectKeyIdentifier
            )
            if aki.value.key_identifier == ski.value.digest:
                return number
        return None

    def chain_pem(self) -> bytes:
        """Every issuing CA in force, newest first, then the root: what `/pki/ca.pem` serves."""
        issuing = [a.issuing_certificate for _, a in reversed(self.in_force())]
        return certificates_pem([*issuing, self.current.root_certificate])


def _load(directory: Path, secret: bytes) -> Authorities:
    numbers = issuing_generations(directory) or [1]
    return Authorities(tuple(create_authority(directory, secret, generation=n) for n in numbers))


def _due(authorities: Authorities) -> bool:
    left = authorities.current.issuing_certificate.not_valid_after_utc - clock.now()
    return left < ROLL_WHEN_LEFT


def _has_new_generations(directory: Path, found: Authorities) -> bool:
    """Whether another process has rolled over since `found` was loaded (a directory listing:
    cheap, unlike loading the keys, so a public request for an unknown CA cannot make every
    call reload them)."""
    return len(issuing_generations(directory)) != len(found.generations)


def authorities_of(settings: Settings, *, reload: bool = False) -> Authorities:
    """All generations, rolled over first when due. `reload`: also pick up generations another
    process has made since (loaded only when the directory holds new ones)."""
    key = (Path(settings.var_dir).resolve() / "pki", settings.server_secret)
    with _lock:
        found = _cache.get(key)
        if found is None or _due(found) or (reload and _has_new_generations(key[0], found)):
            found = _load(*key)
            if _due(found):  # still due after reading what other processes made
                number = len(found.generations) + 1
                create_authority(key[0], key[1], generation=number)
                found = _load(*key)
            _cache[key] = found
        return found


def authority_of(settings: Settings) -> Authority:
    """The current issuing CA (with the root)."""
    return authorities_of(settings).current


def crl_path(generation: int) -> str:
    return "/pki/crl" if generation == 1 else f"/pki/crl/{generation}"


def urls(settings: Settings, generation: int = 1) -> tuple[str, str, str]:
    """The CRL, OCSP and CA-certificates addresses put into a user certificate of `generation`."""
    base = settings.base_url.rstrip("/")
    return f"{base}{crl_path(generation)}", f"{base}/pki/ocsp", f"{base}/pki/ca.pem"
