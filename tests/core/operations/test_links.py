"""Links through ``core.operations.links.make_links`` (SeaweedFS; moto for AWS hosts)."""

from __future__ import annotations

import datetime as dt
import urllib.request
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from s3uploader_gui.core.errors import ConfigError
from s3uploader_gui.core.operations.links import LinkFormat, LinkKind, make_links
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.sharing import CredentialInfo


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:
        data: bytes = answer.read()
    return data


def test_presigned_links_one_row_per_object(
    seaweed_context: S3Context, seaweed_bucket: str
) -> None:
    ctx, b = seaweed_context, seaweed_bucket
    objects = {"trip/a b.jpg": b"image", "docs/notes.txt": b"text"}
    for key, data in objects.items():
        ctx.client.put_object(Bucket=b, Key=key, Body=data)
    links = make_links(ctx, [(b, k) for k in objects], seconds=600, fmt=LinkFormat.MARKDOWN)
    assert [(link.key, link.name) for link in links.links] == [
        ("trip/a b.jpg", "a b.jpg"),
        ("docs/notes.txt", "notes.txt"),
    ]
    for link in links.links:
        assert _fetch(link.url) == objects[link.key]
        assert parse_qs(urlsplit(link.url).query)["X-Amz-Expires"] == ["600"]
    image, text = links.links
    assert image.line.startswith("![a b.jpg](") and text.line.startswith("[notes.txt](")
    assert links.text == f"{image.line}\n{text.line}"
    # Static keys: the links last exactly as long as asked.
    assert links.credentials == CredentialInfo(temporary=False)
    assert links.lifetime is not None and not links.lifetime.cut_short
    assert links.seconds == 600 and not links.failed


def test_temporary_credentials_end_the_links_early(
    seaweed_context: S3Context, seaweed_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.credentials import RefreshableCredentials

    ctx, b = seaweed_context, seaweed_bucket
    ctx.client.put_object(Bucket=b, Key="k", Body=b"x")
    expiry = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=45)

    def refresh() -> dict[str, str]:
        return {
            "access_key": "A",
            "secret_key": "S",
            "token": "T",
            "expiry_time": expiry.isoformat(),
        }

    creds = RefreshableCredentials.create_from_metadata(refresh(), refresh, "sso")
    # The client keeps signing with its own keys; only the inspection sees the session's.
    monkeypatch.setattr(ctx.session, "get_credentials", lambda: creds)
    links = make_links(ctx, [(b, "k")], kind=LinkKind.PRESIGNED, seconds=7 * 24 * 3600)
    assert links.lifetime is not None and links.lifetime.cut_short
    assert links.lifetime.until is not None
    assert abs((links.lifetime.until - expiry).total_seconds()) < 1
    assert links.credentials is not None and links.credentials.temporary


def test_public_and_s3_uri_links_need_no_credentials(
    seaweed_context: S3Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_inspection(*_: Any) -> None:
        raise AssertionError("credentials inspected for unsigned links")

    monkeypatch.setattr("s3uploader_gui.core.operations.links.credential_info", no_inspection)
    objects = [("b", "p/q r.jpg")]
    public = make_links(
        seaweed_context, objects, kind=LinkKind.PUBLIC, base_url="https://cdn.example.org/"
    )
    assert public.urls == ("https://cdn.example.org/p/q%20r.jpg",)
    assert public.lifetime is None and public.seconds is None
    uri = make_links(seaweed_context, objects, kind=LinkKind.S3_URI, fmt=LinkFormat.HTML)
    assert uri.urls == ("s3://b/p/q r.jpg",)
    assert uri.links[0].line == '<img src="s3://b/p/q r.jpg" alt="q r.jpg">'
    endpoint = make_links(seaweed_context, objects, kind="public")  # type: ignore[arg-type]
    assert endpoint.urls[0].endswith("/b/p/q%20r.jpg")


@pytest.mark.parametrize("seconds", [0, 7 * 24 * 3600 + 1])
def test_expiry_out_of_range_fails_before_anything(
    seaweed_context: S3Context, seconds: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_inspection(*_: Any) -> None:
        raise AssertionError("credentials inspected before the expiry was checked")

    monkeypatch.setattr("s3uploader_gui.core.operations.links.credential_info", no_inspection)
    with pytest.raises(ConfigError, match="7 days"):
        make_links(seaweed_context, [("b", "k")], seconds=seconds)
