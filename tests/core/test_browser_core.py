"""Core pieces behind the bucket browser: regions, properties, headers, links,
credential expiry, thumbnails and the gallery page (moto, no Qt)."""

from __future__ import annotations

import datetime as dt
import html
import io
import urllib.request
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any

import pytest
from PIL import Image

from s3uploader_gui.core.gallery import (
    GENERATOR,
    GalleryItem,
    common_folder,
    publish_gallery,
    render_gallery,
)
from s3uploader_gui.core.imaging.remote_thumbnails import (
    ThumbRequest,
    cache_path,
    embedded_jpeg_thumbnail,
    fetch_thumbnail,
)
from s3uploader_gui.core.objects import object_properties
from s3uploader_gui.core.operations.objects import save_properties
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.listing import bucket_region
from s3uploader_gui.core.s3.settings import ConnectionSettings
from s3uploader_gui.core.sharing import (
    CredentialInfo,
    LinkFormat,
    credential_info,
    format_link,
    format_links,
    link_lifetime,
    public_url_for,
    s3_uri,
)
from tests.helpers.files import jpeg_bytes

ODD_KEYS = [
    "space name.txt",
    "ünï/cødé €.txt",
    "plus+sign.txt",
    "hash#tag.txt",
    "question?.txt",
    "percent%20.txt",
    "/leading-slash.txt",
]


def test_bucket_region(moto_client: Any) -> None:
    import boto3

    moto_client.create_bucket(Bucket="east-bucket")
    west = boto3.client("s3", region_name="eu-west-1")
    west.create_bucket(
        Bucket="west-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    assert bucket_region(moto_client, "east-bucket") == "us-east-1"
    assert bucket_region(moto_client, "west-bucket") == "eu-west-1"


def test_properties_and_header_edit_keep_metadata(moto_client: Any, moto_bucket: str) -> None:
    moto_client.put_object(
        Bucket=moto_bucket,
        Key="a/pic.jpg",
        Body=b"1234",
        ContentType="application/octet-stream",
        Metadata={"owner": "anna"},
        ContentDisposition="inline",
    )
    props = object_properties(moto_client, moto_bucket, "a/pic.jpg")
    assert (props.size, props.content_type, props.metadata) == (
        4,
        "application/octet-stream",
        {"owner": "anna"},
    )
    assert props.storage_class == "STANDARD" and props.etag and props.last_modified
    context = S3Context(
        ConnectionSettings(region="us-east-1", access_key_id="testing", secret_access_key="x")
    )
    new = save_properties(
        context,
        moto_bucket,
        "a/pic.jpg",
        content_type="image/jpeg",
        cache_control="public, max-age=60",
    )
    assert new.content_type == "image/jpeg"
    assert new.cache_control == "public, max-age=60"
    assert new.metadata == {"owner": "anna"}
    assert new.content_disposition == "inline"
    body = moto_client.get_object(Bucket=moto_bucket, Key="a/pic.jpg")["Body"].read()
    assert body == b"1234"


# -- links -----------------------------------------------------------------------------
def _context(**kw: Any) -> S3Context:
    base: dict[str, Any] = {
        "region": "eu-central-1",
        "access_key_id": "AK",
        "secret_access_key": "SK",
    }
    base.update(kw)
    return S3Context(ConnectionSettings(**base))


def test_public_url_styles() -> None:
    aws = _context()
    assert (
        public_url_for(aws, "pics", "a b/c+d#.jpg")
        == "https://pics.s3.eu-central-1.amazonaws.com/a%20b/c%2Bd%23.jpg"
    )
    # Dotted bucket names break the TLS certificate of virtual hosts: path style.
    assert public_url_for(aws, "my.pics", "x.jpg") == (
        "https://s3.eu-central-1.amazonaws.com/my.pics/x.jpg"
    )
    custom = _context(endpoint_url="http://127.0.0.1:9000", addressing_style="auto")
    assert public_url_for(custom, "b", "/lead.txt") == "http://127.0.0.1:9000/b//lead.txt"
    virtual = _context(endpoint_url="https://s3.example.org", addressing_style="virtual")
    assert public_url_for(virtual, "b", "k?.txt") == "https://b.s3.example.org/k%3F.txt"
    cdn = public_url_for(custom, "b", "p/q r.jpg", base_url="https://cdn.example.org/")
    assert cdn == "https://cdn.example.org/p/q%20r.jpg"
    assert s3_uri("b", "p/q r.jpg") == "s3://b/p/q r.jpg"


def test_markdown_and_html_formats() -> None:
    url = "https://h/b/x(1).jpg?a=1&b=2"
    assert format_link("x(1).jpg", url, LinkFormat.MARKDOWN) == (
        "![x(1).jpg](https://h/b/x%281%29.jpg?a=1&b=2)"
    )
    assert format_link("[notes]_.txt", "u", LinkFormat.MARKDOWN) == "[\\[notes\\]\\_.txt](u)"
    tag = format_link('<b>"x".png', url, LinkFormat.HTML)
    assert tag == '<img src="https://h/b/x(1).jpg?a=1&amp;b=2" alt="&lt;b&gt;&quot;x&quot;.png">'
    assert format_link("a<b>.txt", "u", LinkFormat.HTML) == '<a href="u">a&lt;b&gt;.txt</a>'
    assert format_links([("a.txt", "u1"), ("b.txt", "u2")], LinkFormat.URL) == "u1\nu2"


def test_link_lifetime_tells_the_truth() -> None:
    now = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    static = link_lifetime(86400, CredentialInfo(temporary=False), now)
    assert static.until == now + dt.timedelta(days=1) and not static.cut_short
    short = CredentialInfo(temporary=True, expires_at=now + dt.timedelta(hours=2))
    life = link_lifetime(7 * 86400, short, now)
    assert life.cut_short and life.until == now + dt.timedelta(hours=2)
    unknown = link_lifetime(3600, CredentialInfo(temporary=True), now)
    assert unknown.unknown_end and unknown.until is None


def test_credential_info_static_token_and_refreshable() -> None:
    assert credential_info(_context()) == CredentialInfo(temporary=False)
    assert credential_info(_context(session_token="TOKEN")) == CredentialInfo(temporary=True)
    from botocore.credentials import RefreshableCredentials

    expiry = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=45)

    def refresh() -> dict[str, str]:
        return {
            "access_key": "AK",
            "secret_key": "SK",
            "token": "T",
            "expiry_time": expiry.isoformat(),
        }

    creds = RefreshableCredentials.create_from_metadata(refresh(), refresh, "assume-role")
    ctx = _context()
    ctx._session = SimpleNamespace(get_credentials=lambda: creds)  # type: ignore[assignment]
    info = credential_info(ctx)
    assert info.temporary and info.expires_at is not None
    assert abs((info.expires_at - expiry).total_seconds()) < 1


# -- thumbnails ------------------------------------------------------------------------
def _jpeg_with_exif_thumb(size: tuple[int, int]) -> bytes:
    """A JPEG whose EXIF block carries a small embedded thumbnail (like cameras write)."""
    thumb = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(thumb, "JPEG")
    t = thumb.getvalue()
    # A minimal APP1 segment: "Exif\0\0" + a TIFF header + the thumbnail bytes.
    payload = b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00" + t
    app1 = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    main = io.BytesIO()
    Image.new("RGB", size, "red").save(main, "JPEG", quality=95)
    body = main.getvalue()
    return body[:2] + app1 + body[2:]


def test_thumbnail_fetch_caches_by_etag(moto_client: Any, moto_bucket: str, tmp_path) -> None:
    moto_client.put_object(Bucket=moto_bucket, Key="p.jpg", Body=jpeg_bytes((800, 600)))
    head = moto_client.head_object(Bucket=moto_bucket, Key="p.jpg")
    req = ThumbRequest(moto_bucket, "p.jpg", head["ETag"].strip('"'), head["ContentLength"], 128)
    data = fetch_thumbnail(moto_client, req, root=tmp_path)
    assert data is not None
    with Image.open(io.BytesIO(data)) as img:
        assert max(img.size) == 128
    assert cache_path(req, tmp_path).read_bytes() == data
    # Cached: served without the server (the object is gone now).
    moto_client.delete_object(Bucket=moto_bucket, Key="p.jpg")
    assert fetch_thumbnail(moto_client, req, root=tmp_path) == data
    # A different ETag is a different entry.
    other = ThumbRequest(moto_bucket, "p.jpg", "other", req.size, 128)
    assert cache_path(other, tmp_path) != cache_path(req, tmp_path)


def test_big_objects_use_embedded_thumbnail_or_none(
    moto_client: Any, moto_bucket: str, tmp_path
) -> None:
    big = _jpeg_with_exif_thumb((1600, 1200))
    assert embedded_jpeg_thumbnail(big[:4096]) is not None
    moto_client.put_object(Bucket=moto_bucket, Key="big.jpg", Body=big)
    req = ThumbRequest(moto_bucket, "big.jpg", "e1", len(big), 64)
    data = fetch_thumbnail(moto_client, req, max_bytes=1000, root=tmp_path)
    assert data is not None
    with Image.open(io.BytesIO(data)) as img:
        assert img.size == (40, 30)  # the embedded one, not the 1600 px picture
    png = io.BytesIO()
    Image.new("RGB", (500, 500), "blue").save(png, "PNG")
    moto_client.put_object(Bucket=moto_bucket, Key="big.png", Body=png.getvalue())
    req = ThumbRequest(moto_bucket, "big.png", "e2", len(png.getvalue()), 64)
    assert fetch_thumbnail(moto_client, req, max_bytes=1000, root=tmp_path) is None
    moto_client.put_object(Bucket=moto_bucket, Key="bad.jpg", Body=b"not an image")
    req = ThumbRequest(moto_bucket, "bad.jpg", "e3", 12, 64)
    assert fetch_thumbnail(moto_client, req, root=tmp_path) is None
    assert cache_path(req, tmp_path).read_bytes() == b""  # remembered as "no thumbnail"


# -- gallery ---------------------------------------------------------------------------
class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_gallery_escapes_every_key_and_title() -> None:
    evil = 'x/<script>alert(1)<img src=x onerror=alert(2)>".jpg'
    page = render_gallery(
        "<b>Trip</b> & more",
        [GalleryItem(evil, 'https://h/x?a=1&b="2"'), GalleryItem("x/ok.png", "https://h/ok")],
        expires_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
    )
    assert "<script>" not in page and "<b>Trip" not in page
    assert html.escape('<script>alert(1)<img src=x onerror=alert(2)>".jpg') in page
    parser = _Collector()
    parser.feed(page)
    tags = [t for t, _ in parser.tags]
    assert "script" not in tags and tags.count("img") == 2
    imgs = [a for t, a in parser.tags if t == "img"]
    assert imgs[0]["src"] == 'https://h/x?a=1&b="2"'
    assert imgs[0]["alt"] == '<script>alert(1)<img src=x onerror=alert(2)>".jpg'
    assert "2026-01-02 00:00 UTC" in page
    # Self-contained: no external stylesheets, scripts or fonts.
    assert not [a for t, a in parser.tags if t in ("link", "script")]
    assert any(a.get("content") == GENERATOR for t, a in parser.tags if t == "meta")


def test_common_folder() -> None:
    assert common_folder(["a/b/1.jpg", "a/b/2.jpg"]) == "a/b/"
    assert common_folder(["a/b/1.jpg", "a/c/2.jpg"]) == "a/"
    assert common_folder(["1.jpg", "a/2.jpg"]) == ""


def test_publish_gallery_uploads_index_and_link_works(
    moto_context: S3Context, http_bucket: str
) -> None:
    client = moto_context.client
    keys = ["trip/<script>.jpg", "trip/b c.png", "trip/notes.txt"]
    for key in keys:
        client.put_object(Bucket=http_bucket, Key=key, Body=jpeg_bytes())
    from s3uploader_gui.core.sharing import presigned_get_url

    result = publish_gallery(
        client,
        http_bucket,
        keys,
        lambda k: presigned_get_url(client, http_bucket, k, 3600),
        title="Trip",
    )
    assert result.key == "trip/index.html" and result.count == 2
    with urllib.request.urlopen(result.url, timeout=10) as answer:
        page = answer.read().decode()
    assert "&lt;script&gt;.jpg" in page and "<script>" not in page
    assert "notes.txt" not in page
    parser = _Collector()
    parser.feed(page)
    src = next(a["src"] for t, a in parser.tags if t == "img")
    assert src is not None
    with urllib.request.urlopen(src, timeout=10) as answer:
        assert answer.read() == jpeg_bytes()
    head = client.head_object(Bucket=http_bucket, Key="trip/index.html")
    assert head["ContentType"].startswith("text/html")
    # A foreign index.html is never overwritten.
    client.put_object(Bucket=http_bucket, Key="own/index.html", Body=b"mine")
    client.put_object(Bucket=http_bucket, Key="own/p.jpg", Body=jpeg_bytes())
    again = publish_gallery(client, http_bucket, ["own/p.jpg"], lambda k: f"https://x/{k}")
    assert again.key == "own/gallery.html"
    assert client.get_object(Bucket=http_bucket, Key="own/index.html")["Body"].read() == b"mine"


@pytest.mark.parametrize("key", ODD_KEYS)
def test_presigned_links_for_odd_keys_on_aws_like_server(
    moto_context: S3Context, http_bucket: str, key: str
) -> None:
    from s3uploader_gui.core.sharing import presigned_get_url

    moto_context.client.put_object(Bucket=http_bucket, Key=key, Body=key.encode())
    url = presigned_get_url(moto_context.client, http_bucket, key, 600)
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == key.encode()


def test_fast_listing_matches_botocore(moto_context: S3Context, http_bucket: str) -> None:
    """The fast path of list_page (presigned GET, own XML reader) gives exactly what
    botocore gives, odd keys included."""
    from s3uploader_gui.core.s3 import listing

    client = moto_context.client
    keys = [*ODD_KEYS, "odd/ctl\x01.txt", "odd/a&b<c>.txt", "odd/sub/x.txt", "odd/"]
    for key in keys:
        client.put_object(Bucket=http_bucket, Key=key, Body=b"x" * 3)
    for prefix in ("", "/", "ünï/", "odd/"):
        kwargs = {"Bucket": http_bucket, "Prefix": prefix, "MaxKeys": 1000, "Delimiter": "/"}
        fast = listing._fast_list(client, kwargs)
        assert fast is not None
        assert fast == listing._botocore_page(client, kwargs)
    # Paging: tokens work and nothing is lost or repeated.
    for i in range(25):
        client.put_object(Bucket=http_bucket, Key=f"pg/{i:02}", Body=b"")
    seen, token = [], None
    while True:
        page = listing.list_page(client, http_bucket, "pg/", token, page_size=10)
        seen += [o.key for o in page.objects]
        token = page.next_token
        if token is None:
            break
    assert seen == [f"pg/{i:02}" for i in range(25)]
