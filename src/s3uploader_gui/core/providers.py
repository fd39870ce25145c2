"""Presets for common S3 providers: endpoint pattern, default region, addressing style.

A preset only fills fields the user can still edit. Parts of an endpoint the app cannot
know (a Cloudflare account ID, a MinIO host) stay as ``<placeholders>``, which
``validate_profile`` refuses, so a half-filled endpoint is never saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from s3uploader_gui.core.s3.settings import AddressingStyle

PLACEHOLDER = re.compile(r"<[^<>]+>")


@dataclass(frozen=True)
class ProviderPreset:
    """What a provider needs: an endpoint pattern (``{region}`` is filled), a region."""

    key: str
    label: str
    #: "aws" or "s3-compatible" (a ProfileKind value).
    kind: str
    endpoint_pattern: str
    default_region: str
    addressing_style: AddressingStyle
    #: One sentence on what to fill in, for the dialog.
    hint: str = ""

    def endpoint(self, region: str = "") -> str:
        """The endpoint for ``region`` (the preset's default when empty)."""
        return self.endpoint_pattern.replace("{region}", region or self.default_region)


PRESETS: tuple[ProviderPreset, ...] = (
    ProviderPreset(
        "aws",
        "Amazon S3 (AWS)",
        "aws",
        "",
        "us-east-1",
        "auto",
        "No endpoint needed: choose the region of your buckets.",
    ),
    ProviderPreset(
        "r2",
        "Cloudflare R2",
        "s3-compatible",
        "https://<account-id>.r2.cloudflarestorage.com",
        "auto",
        "path",
        "Replace <account-id> with your Cloudflare account ID (R2 → Overview).",
    ),
    ProviderPreset(
        "b2",
        "Backblaze B2",
        "s3-compatible",
        "https://s3.{region}.backblazeb2.com",
        "us-west-004",
        "virtual",
        "Use the region shown in the bucket's S3 endpoint (for example us-west-004).",
    ),
    ProviderPreset(
        "wasabi",
        "Wasabi",
        "s3-compatible",
        "https://s3.{region}.wasabisys.com",
        "us-east-1",
        "virtual",
        "Use the region of your Wasabi buckets.",
    ),
    ProviderPreset(
        "minio",
        "MinIO",
        "s3-compatible",
        "https://<minio-host>:9000",
        "us-east-1",
        "path",
        "Replace <minio-host> with your MinIO server's address.",
    ),
    ProviderPreset(
        "spaces",
        "DigitalOcean Spaces",
        "s3-compatible",
        "https://{region}.digitaloceanspaces.com",
        "nyc3",
        "virtual",
        "Use the region of your Space (nyc3, ams3, sgp1, fra1…).",
    ),
    ProviderPreset(
        "generic",
        "Ceph / SeaweedFS / other S3-compatible",
        "s3-compatible",
        "http://<host>:<port>",
        "us-east-1",
        "path",
        "Replace <host>:<port> with your server's S3 gateway address.",
    ),
)


def preset(key: str) -> ProviderPreset:
    """The preset called ``key`` (KeyError when there is none)."""
    for item in PRESETS:
        if item.key == key:
            return item
    raise KeyError(key)


def has_placeholder(text: str) -> bool:
    """True while a preset's ``<placeholder>`` is still in ``text``."""
    return bool(PLACEHOLDER.search(text))
