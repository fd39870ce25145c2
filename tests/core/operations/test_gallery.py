"""Publishing a gallery through ``core.operations.gallery.publish`` (SeaweedFS)."""

from __future__ import annotations

import datetime as dt
import urllib.request
from html.parser import HTMLParser

import pytest

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import Cancelled, ConfigError
from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.operations.gallery import publish
from s3uploader_gui.core.s3.client import S3Context
from tests.conftest import seaweed_settings
from tests.helpers.files import jpeg_bytes
from tests.helpers.s3proxy import Request, proxy_to


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.srcs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.srcs.append(dict(attrs)["src"] or "")


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:
        data: bytes = answer.read()
    return data


def _keys(ctx: S3Context, bucket: str) -> set[str]:
    answer = ctx.client.list_objects_v2(Bucket=bucket)
    return {o["Key"] for o in answer.get("Contents", [])}


@pytest.fixture
def trip(seaweed_context: S3Context, seaweed_bucket: str) -> str:
    for key in ["trip/a.jpg", "trip/b c.jpg", "trip/notes.txt", "trip/deeper/x.jpg"]:
        seaweed_context.client.put_object(Bucket=seaweed_bucket, Key=key, Body=jpeg_bytes())
    return seaweed_bucket


def test_publish_a_folder_with_presigned_links(seaweed_context: S3Context, trip: str) -> None:
    before = dt.datetime.now(dt.UTC)
    page = publish(seaweed_context, trip, folder="trip/", seconds=900, title="Trip")
    assert (page.key, page.count) == ("trip/index.html", 2)  # not notes.txt nor deeper/
    assert page.expires_at is not None
    assert before + dt.timedelta(seconds=890) < page.expires_at
    assert page.expires_at < dt.datetime.now(dt.UTC) + dt.timedelta(seconds=910)
    html = _fetch(page.url).decode()
    assert "Trip" in html and "stop working on" in html
    parser = _Images()
    parser.feed(html)
    assert len(parser.srcs) == 2
    assert all(_fetch(src) == jpeg_bytes() for src in parser.srcs)


def test_publish_chosen_images_with_public_links(seaweed_context: S3Context, trip: str) -> None:
    page = publish(
        seaweed_context,
        trip,
        ["trip/a.jpg", "trip/notes.txt"],
        public=True,
        base_url="https://cdn.example.org",
    )
    assert page.count == 1 and page.expires_at is None
    assert page.url == "https://cdn.example.org/trip/index.html"
    html = seaweed_context.client.get_object(Bucket=trip, Key="trip/index.html")["Body"].read()
    assert b'src="https://cdn.example.org/trip/a.jpg"' in html


def test_publish_refuses_what_it_cannot_do(seaweed_context: S3Context, trip: str) -> None:
    with pytest.raises(ConfigError, match="not both"):
        publish(seaweed_context, trip, ["trip/a.jpg"], folder="trip/")
    with pytest.raises(ConfigError, match="no images"):
        publish(seaweed_context, trip, ["trip/notes.txt"])
    with pytest.raises(ConfigError, match="7 days"):
        publish(seaweed_context, trip, folder="trip/", seconds=8 * 24 * 3600)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        publish(seaweed_context, trip, ["trip/a.jpg"], cancel=token)
    assert "trip/index.html" not in _keys(seaweed_context, trip)


def test_publish_never_replaces_a_page_it_did_not_write(
    seaweed_context: S3Context, trip: str
) -> None:
    """index.html and gallery.html of someone else stay as they are; the page takes the
    next free name, and publishing again replaces only that page of its own."""
    client = seaweed_context.client
    for name in ["index.html", "gallery.html"]:
        client.put_object(Bucket=trip, Key=f"trip/{name}", Body=f"their {name}".encode())
    first = publish(seaweed_context, trip, folder="trip/", public=True)
    assert first.key == "trip/gallery-2.html"
    for name in ["index.html", "gallery.html"]:
        body = client.get_object(Bucket=trip, Key=f"trip/{name}")["Body"].read()
        assert body == f"their {name}".encode()
    again = publish(seaweed_context, trip, folder="trip/", public=True, title="Again")
    assert again.key == "trip/gallery-2.html"
    body = client.get_object(Bucket=trip, Key=again.key)["Body"].read()
    assert b"Again" in body
    assert {k for k in _keys(seaweed_context, trip) if k.endswith(".html")} == {
        "trip/index.html",
        "trip/gallery.html",
        "trip/gallery-2.html",
    }


def test_publish_takes_over_its_own_gallery_page(seaweed_context: S3Context, trip: str) -> None:
    """A gallery.html this app wrote (next to someone else's index.html) is replaced."""
    client = seaweed_context.client
    client.put_object(Bucket=trip, Key="trip/index.html", Body=b"theirs")
    assert publish(seaweed_context, trip, folder="trip/", public=True).key == "trip/gallery.html"
    page = publish(seaweed_context, trip, folder="trip/", public=True, title="Second")
    assert page.key == "trip/gallery.html"
    assert b"Second" in client.get_object(Bucket=trip, Key=page.key)["Body"].read()
    assert client.get_object(Bucket=trip, Key="trip/index.html")["Body"].read() == b"theirs"


def test_a_server_that_refuses_conditional_puts_still_keeps_others_pages(
    seaweed: LocalServerInfo, seaweed_context: S3Context, trip: str
) -> None:
    """501 for If-None-Match / If-Match: a HEAD right before a plain put decides."""
    refused: list[str] = []

    def refuse(request: Request) -> tuple[int, bytes] | None:
        names = {h.lower() for h in request.headers}
        if request.method == "PUT" and names & {"if-none-match", "if-match"}:
            refused.append(request.path)
            return 501, b"<Error><Code>NotImplemented</Code><Message>no</Message></Error>"
        return None

    seaweed_context.client.put_object(Bucket=trip, Key="trip/index.html", Body=b"theirs")
    with proxy_to(seaweed.endpoint_url) as proxy:
        proxy.respond = refuse
        ctx = S3Context(seaweed_settings(seaweed, endpoint_url=proxy.endpoint_url))
        first = publish(ctx, trip, folder="trip/", public=True)
        again = publish(ctx, trip, folder="trip/", public=True, title="Again")
    assert refused and first.key == again.key == "trip/gallery.html"
    client = seaweed_context.client
    assert client.get_object(Bucket=trip, Key="trip/index.html")["Body"].read() == b"theirs"
    assert b"Again" in client.get_object(Bucket=trip, Key="trip/gallery.html")["Body"].read()
