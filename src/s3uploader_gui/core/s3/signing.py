"""AWS Signature Version 4 for the lean request path: the signed head of one S3 request.

botocore's signer runs its event hooks and builds request objects for every request; this
one only formats the canonical request and caches the day's signing key, which is all a
PutObject or UploadPart needs. ``tests/core/s3/test_signing_conformance.py`` keeps it equal
to botocore's ``S3SigV4Auth`` (canonical request and signature) on awkward keys and headers.

The credentials are asked for at every request (``credentials()``): botocore's refreshable
credentials (SSO, an assumed role, a ``credential_process``) renew themselves there before
they expire, so a long upload never signs with keys that are about to lapse.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


@dataclass(frozen=True)
class Credentials:
    """The keys a request is signed with (``token``: a session token, or None)."""

    access_key: str
    secret_key: str
    token: str | None


@dataclass(frozen=True)
class Signed:
    """One signed request: its headers (lower-case names, ``authorization`` included) in
    the order they are sent, and what the signature was computed over (for tests)."""

    headers: list[tuple[str, str]]
    canonical_request: str
    signature: str


class Signer:
    """Signs requests to one host in one region; thread-safe."""

    def __init__(
        self, region: str, host_header: str, credentials: Callable[[], Credentials]
    ) -> None:
        self.region = region
        self.host_header = host_header
        self.credentials = credentials
        self._lock = threading.Lock()
        self._keys: dict[tuple[str, str], bytes] = {}

    def sign(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        digest: str,
        at: float | None = None,
    ) -> Signed:
        """Sign a request whose canonical URI is ``path`` (already percent-encoded, as
        sent) and canonical query ``query`` (encoded, sorted); ``digest`` is the payload's
        SHA-256 or ``UNSIGNED-PAYLOAD``; ``at`` is the signing time (for tests)."""
        creds = self.credentials()
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(at))
        day = amz_date[:8]
        signed = {k.lower(): v for k, v in headers.items()}
        signed["host"] = self.host_header
        signed["x-amz-date"] = amz_date
        signed["x-amz-content-sha256"] = digest
        if creds.token:
            signed["x-amz-security-token"] = creds.token
        names = sorted(signed)
        canonical_headers = "".join(f"{n}:{' '.join(signed[n].split())}\n" for n in names)
        signed_names = ";".join(names)
        canonical = f"{method}\n{path}\n{query}\n{canonical_headers}\n{signed_names}\n{digest}"
        scope = f"{day}/{self.region}/s3/aws4_request"
        to_sign = (
            f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n"
            + hashlib.sha256(canonical.encode()).hexdigest()
        )
        signature = hmac.new(
            self._signing_key(creds.secret_key, day), to_sign.encode(), hashlib.sha256
        ).hexdigest()
        out = [(n, signed[n]) for n in names]
        out.append(
            (
                "authorization",
                f"AWS4-HMAC-SHA256 Credential={creds.access_key}/{scope}, "
                f"SignedHeaders={signed_names}, Signature={signature}",
            )
        )
        return Signed(out, canonical, signature)

    def head(
        self,
        method: str,
        path: str,
        query: str,
        target: str,
        headers: Mapping[str, str],
        length: int,
        digest: str,
        at: float | None = None,
        with_length: bool = True,
    ) -> bytes:
        """The request line and headers, ``authorization`` included, ready to send to
        ``target`` (the path and query, or an absolute URL through an HTTP proxy)."""
        if with_length:
            headers = {**headers, "content-length": str(length)}  # signed, as botocore does
        signed = self.sign(method, path, query, headers, digest, at)
        lines = [f"{method} {target} HTTP/1.1"]
        for name, value in signed.headers:
            if "\r" in value or "\n" in value:
                # A credential read from a file saved with CR LF: botocore's HTTP client
                # refuses it with this error (``errors`` recognises it), so do we.
                raise ValueError(f"Invalid header value {value.encode()!r}")
            lines.append(f"{name}: {value}")
        lines.append("user-agent: s3uploader-gui")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _signing_key(self, secret: str, day: str) -> bytes:
        cached = self._keys.get((secret, day))
        if cached is not None:
            return cached
        key = hmac.new(f"AWS4{secret}".encode(), day.encode(), hashlib.sha256).digest()
        for part in (self.region, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        with self._lock:
            # One day, and the secrets in use (a refresh brings a new one): older are stale.
            keys = {k: v for k, v in self._keys.items() if k[1] == day}
            keys[(secret, day)] = key
            self._keys = dict(list(keys.items())[-4:])
        return key
