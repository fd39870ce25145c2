"""Where the lean request path sends a bucket's requests: the host, the path before the
key and the signing region, computed the way botocore's endpoint rules do for S3.

A custom endpoint (SeaweedFS, MinIO, R2, an ``AWS_ENDPOINT_URL_S3``) keeps its host in
path style, and puts the bucket in the host in virtual-hosted style when the bucket name
can be a host name. AWS itself (no endpoint) has one host per region (``s3.amazonaws.com``
for us-east-1 unless it is asked to be regional, ``.amazonaws.com.cn`` in China) and names
the bucket in the host whenever the name allows it. Partitions and options this module
does not know (ISO regions, FIPS, dual-stack, Transfer Acceleration) are declined by
``fastput_setup`` before anything is sent. ``tests/core/s3/test_lean_routes.py`` compares
every answer here with the URL botocore builds for the same request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlsplit

Style = Literal["auto", "path", "virtual"]

#: AWS partitions whose S3 hosts follow ``s3.<region>.<suffix>`` (botocore's partitions).
_PARTITIONS = (
    (r"^cn-\w+-\d+$", "amazonaws.com.cn"),
    (r"^us-gov-\w+-\d+$", "amazonaws.com"),
    (r"^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$", "amazonaws.com"),
)
_LABEL = r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$"
_DOTTED = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
_IP = r"^\d+\.\d+\.\d+\.\d+$"
_DEFAULT_PORTS = {"http": 80, "https": 443}
# The patterns are compiled on first use (``re``'s cache keeps them): a custom endpoint in
# path style, the usual case of a server of one's own, needs none of them.


def aws_suffix(region: str) -> str | None:
    """The DNS suffix of ``region``'s partition; None for one the lean path does not know."""
    for pattern, suffix in _PARTITIONS:
        if re.match(pattern, region):
            return suffix
    return None


def virtual_hostable(bucket: str, *, dots: bool) -> bool:
    """Whether ``bucket`` can be a host name label (botocore's ``isVirtualHostableS3Bucket``;
    ``dots``: sub-domains allowed, as over plain HTTP where no certificate must match)."""
    if re.match(_IP, bucket) or ".." in bucket or ".-" in bucket or "-." in bucket:
        return False
    return bool(re.match(_DOTTED if dots else _LABEL, bucket))


@dataclass(frozen=True)
class Place:
    """Where one bucket's requests go: ``scheme://host:port``, the Host header, the
    encoded path before ``/key`` and the region requests are signed for."""

    scheme: str
    host: str
    port: int
    host_header: str
    prefix: str
    region: str

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host_header}"

    @property
    def https(self) -> bool:
        return self.scheme == "https"


@dataclass(frozen=True)
class Addressing:
    """How a connection names buckets: a custom ``endpoint`` (None: AWS itself), the
    addressing ``style`` and, for AWS in us-east-1, whether the regional host is used."""

    endpoint: str | None
    style: Style
    us_east_1_regional: bool = False

    def place(self, bucket: str, region: str) -> Place:
        """Where requests for ``bucket`` go when signed for ``region``."""
        if self.endpoint is None:
            suffix = aws_suffix(region)
            if suffix is None:
                raise ValueError(f"no lean route to region {region}")
            if region == "us-east-1" and not self.us_east_1_regional:
                host = f"s3.{suffix}"
            else:
                host = f"s3.{region}.{suffix}"
            scheme, port, base = "https", 443, ""
            virtual = self.style != "path" and virtual_hostable(bucket, dots=False)
        else:
            parts = urlsplit(self.endpoint)
            if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
                raise ValueError(f"not an HTTP endpoint: {self.endpoint}")
            scheme, host = parts.scheme, parts.hostname
            port = parts.port or _DEFAULT_PORTS[scheme]
            base = parts.path.rstrip("/")
            virtual = self.style == "virtual" and virtual_hostable(bucket, dots=scheme == "http")
        if virtual:
            host = f"{bucket}.{host}"
            prefix = base
        else:
            prefix = f"{base}/{quote(bucket, safe='')}"
        return Place(scheme, host, port, host_header(scheme, host, port), prefix, region)


def host_header(scheme: str, host: str, port: int) -> str:
    """The Host header botocore signs: the host (IPv6 in brackets) and a port that is not
    the scheme's default."""
    name = f"[{host}]" if ":" in host else host
    return name if port == _DEFAULT_PORTS.get(scheme) else f"{name}:{port}"
