"""The links of a finished upload (``core.operations.upload_links``): the window's *After
upload: copy link* and the CLI's ``--print-link`` make them here (SeaweedFS)."""

from __future__ import annotations

import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest

from s3uploader_gui.core.operations.links import LinkFormat, LinkKind
from s3uploader_gui.core.operations.upload_links import (
    UploadLinks,
    link_style,
    links_for_uploads,
)
from s3uploader_gui.core.s3.client import S3Context


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:
        data: bytes = answer.read()
    return data


@pytest.mark.parametrize(
    ("choice", "base_url", "kind", "fmt"),
    [
        (UploadLinks.URL, "", LinkKind.PUBLIC, LinkFormat.URL),
        (UploadLinks.PRESIGNED, "https://cdn.example", LinkKind.PRESIGNED, LinkFormat.URL),
        # Markdown and HTML are pasted into pages that outlive an hour: the public
        # address where the profile has one, else a link that works (presigned).
        (UploadLinks.MARKDOWN, "", LinkKind.PRESIGNED, LinkFormat.MARKDOWN),
        (UploadLinks.MARKDOWN, "https://cdn.example", LinkKind.PUBLIC, LinkFormat.MARKDOWN),
        (UploadLinks.HTML, "", LinkKind.PRESIGNED, LinkFormat.HTML),
        (UploadLinks.HTML, "https://cdn.example/", LinkKind.PUBLIC, LinkFormat.HTML),
    ],
)
def test_each_choice_has_one_kind_and_format(
    choice: UploadLinks, base_url: str, kind: LinkKind, fmt: LinkFormat
) -> None:
    assert link_style(choice, base_url) == (kind, fmt)


def test_off_makes_no_links(seaweed_context: S3Context) -> None:
    with pytest.raises(ValueError):
        links_for_uploads(seaweed_context, [("b", "k")], UploadLinks.OFF)


def test_presigned_links_in_the_order_given_fetch_the_files(
    seaweed_context: S3Context, seaweed_bucket: str
) -> None:
    ctx, b = seaweed_context, seaweed_bucket
    objects = {"shots/z.png": b"last name, first uploaded", "shots/a b.txt": b"second"}
    for key, data in objects.items():
        ctx.client.put_object(Bucket=b, Key=key, Body=data)
    links = links_for_uploads(ctx, [(b, k) for k in objects], UploadLinks.PRESIGNED, seconds=900)
    assert [link.key for link in links.links] == list(objects)
    for link in links.links:
        assert link.line == link.url
        assert _fetch(link.url) == objects[link.key]
        assert parse_qs(urlsplit(link.url).query)["X-Amz-Expires"] == ["900"]


def test_markdown_links_of_images_embed_them(
    seaweed_context: S3Context, seaweed_bucket: str
) -> None:
    ctx, b = seaweed_context, seaweed_bucket
    ctx.client.put_object(Bucket=b, Key="shot 1.png", Body=b"png")
    cdn = links_for_uploads(
        ctx, [(b, "shot 1.png")], UploadLinks.MARKDOWN, base_url="https://cdn.example"
    )
    assert cdn.text == "![shot 1.png](https://cdn.example/shot%201.png)"
    signed = links_for_uploads(ctx, [(b, "shot 1.png")], UploadLinks.MARKDOWN)
    line = signed.text
    assert line.startswith("![shot 1.png](http://127.0.0.1:") and line.endswith(")")
    assert _fetch(line[len("![shot 1.png](") : -1]) == b"png"
