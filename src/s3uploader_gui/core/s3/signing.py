"""AWS Signature Version 4 for the lean request path: the signed head of one S3 request.

botocore's signer runs its event hooks and builds request objects for every request; this
one only formats the canonical request and caches the day's signing key, which is all a
PutObject or UploadPart needs (``test_signature_matches_botocore`` keeps them equal).
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
    access_key: str
    secret_key: str
    token: str | None


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
        """The request line and headers, ``authorization`` included, ready to send."""
        creds = self.credentials()
        now = time.gmtime(at)
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", now)
        day = amz_date[:8]
        signed = {k.lower(): v for k, v in headers.items()}
        signed["host"] = self.host_header
        signed["x-amz-date"] = amz_date
        signed["x-amz-content-sha256"] = digest
        if with_length:
            signed["content-length"] = str(length)  # signed, as botocore does
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
        lines = [f"{method} {target} HTTP/1.1"]
        lines += [f"{n}: {signed[n]}" for n in names]
        lines.append(
            f"authorization: AWS4-HMAC-SHA256 Credential={creds.access_key}/{scope}, "
            f"SignedHeaders={signed_names}, Signature={signature}"
        )
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
            self._keys = {(secret, day): key}  # one day, one secret: older keys are stale
        return key
