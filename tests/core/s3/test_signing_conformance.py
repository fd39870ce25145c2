"""The home-made signer and request framing against botocore's, request for request.

For every operation the lean path sends, on a corpus of awkward keys (unicode, spaces,
``+``, ``%``, ``#``, ``~``, ``//``, a trailing ``/``, 1,000-byte keys) and headers
(metadata with unicode, ``Content-Disposition`` with ``filename*=``, checksum headers), in
path-style and virtual-hosted addressing, on a custom endpoint and on AWS, with and
without a session token:

- the URL it sends to is the one the app's botocore client sends the same operation to;
- botocore's ``S3SigV4Auth``, signing that URL with the headers the lean path sends,
  gives the same Authorization header (so the same signature); and the canonical
  request the lean signer hashed is botocore's.

Nothing is sent: both sides are caught before a connection is opened, and a resolver
that knows only 127.0.0.1 guards against any slip to a real host.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from s3uploader_gui.core.s3 import fastput_setup
from s3uploader_gui.core.s3.client import S3Context, make_client
from s3uploader_gui.core.s3.fastput import FastPut, Request
from s3uploader_gui.core.s3.settings import ConnectionSettings
from s3uploader_gui.core.s3.signing import Credentials, Signer
from tests.helpers.sigv4 import botocore_signed, captured_url, loopback_only

KEYS = [
    "plain.txt",
    "ünïcødé/naïve café ✓.jpg",
    "a b  c/with spaces ",
    "a+b=c&d",
    "100% sure/50%25 off",
    "#hash/?question",
    "~tilde/.dot/..dots",
    "double//slash",
    "trailing/",
    "/leading",
    "semi;colon,comma:colon@at$dollar",
    "quote'paren(star)*bang!",
    "日本語/キー.png",
    "k" * 1000,
    "é" * 500,  # 1,000 bytes in UTF-8
]

HEADERS: list[dict[str, str]] = [
    {"content-type": "image/jpeg"},
    {
        "content-type": "text/plain; charset=utf-8",
        "x-amz-meta-caption": "  spaced   out  ",
        "x-amz-meta-author": "Jürgen Ærø ✓",
    },
    {
        "content-type": "text/plain",
        "content-disposition": (
            "attachment; filename=\"Jurgen.txt\"; filename*=UTF-8''J%C3%BCrgen%20%E2%9C%93.txt"
        ),
    },
    {
        "content-type": "application/octet-stream",
        "x-amz-checksum-crc32": "AAAAAA==",
        "x-amz-checksum-sha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        "x-amz-sdk-checksum-algorithm": "CRC32",
    },
    {
        "content-type": "image/png",
        "cache-control": "max-age=60,  public",
        "x-amz-storage-class": "STANDARD_IA",
        "x-amz-acl": "public-read",
        "x-amz-server-side-encryption": "AES256",
    },
]

#: (name, settings): the ways of addressing a bucket that the lean path takes.
WAYS: list[tuple[str, dict[str, Any]]] = [
    ("path", {"endpoint_url": "http://127.0.0.1:9000", "region": "us-east-1"}),
    ("path-base", {"endpoint_url": "https://s3.example.test/base/", "region": "eu-central-1"}),
    (
        "virtual",
        {
            "endpoint_url": "https://s3.example.test:8443",
            "region": "eu-west-3",
            "addressing_style": "virtual",
        },
    ),
    ("aws", {"region": "eu-west-3"}),
    ("aws-global", {"region": "us-east-1"}),
    ("aws-path", {"region": "ap-southeast-2", "addressing_style": "path"}),
    ("aws-cn", {"region": "cn-north-1"}),
]

TOKEN = "IQoJb3JpZ2luX2VjE/Tk+token==/"


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    with loopback_only():
        yield


class _Caught(Exception):
    pass


def _lean_request(fast: FastPut, operation: str, bucket: str, key: str, headers: dict[str, str],
                  body: bytes) -> Request:  # fmt: skip
    """The request the lean path would send for ``operation`` (caught before sending)."""
    import io

    caught: list[Request] = []

    def hook(request: Request, **_: Any) -> None:
        caught.append(request)
        raise _Caught

    fast.register("before-send.s3", hook)
    stream = io.BytesIO(body)
    try:
        if operation == "put_object":
            fast.put_object(bucket, key, stream, len(body), "AAAAAA==", headers)
        elif operation == "upload_part":
            fast.upload_part(bucket, key, "upl/oad+id=", 7, stream, len(body), "AAAAAA==")
        elif operation == "create_multipart_upload":
            fast.create_multipart_upload(bucket, key, headers)
        elif operation == "complete_multipart_upload":
            fast.complete_multipart_upload(bucket, key, "upl/oad+id=", [(1, '"e"', "AAAAAA==")])
        elif operation == "abort_multipart_upload":
            fast.abort_multipart_upload(bucket, key, "upl/oad+id=")
        elif operation == "head_object":
            fast.head_object(bucket, key)
        elif operation == "head_bucket":
            fast.head_bucket(Bucket=bucket)
    except _Caught:
        pass
    finally:
        fast.unregister("before-send.s3", hook)
    (request,) = caught
    return request


def _botocore_params(operation: str, bucket: str, key: str) -> dict[str, Any]:
    params: dict[str, Any] = {"Bucket": bucket}
    if operation != "head_bucket":
        params["Key"] = key
    if operation in ("upload_part", "complete_multipart_upload", "abort_multipart_upload"):
        params["UploadId"] = "upl/oad+id="
    if operation == "upload_part":
        params.update(PartNumber=7, Body=b"x")
    if operation == "put_object":
        params["Body"] = b"x"
    if operation == "complete_multipart_upload":
        params["MultipartUpload"] = {"Parts": [{"PartNumber": 1, "ETag": '"e"'}]}
    return params


def _same_url(a: str, b: str) -> bool:
    """Equal URLs, the query's parameters in any order (S3 signs them sorted)."""
    (a_base, _, a_query), (b_base, _, b_query) = a.partition("?"), b.partition("?")
    return a_base == b_base and sorted(a_query.split("&")) == sorted(b_query.split("&"))


OPERATIONS = [
    "put_object",
    "upload_part",
    "create_multipart_upload",
    "complete_multipart_upload",
    "abort_multipart_upload",
    "head_object",
    "head_bucket",
]


@pytest.mark.parametrize("way", [w for w, _ in WAYS])
@pytest.mark.parametrize("token", [None, TOKEN], ids=["keys", "token"])
def test_every_request_is_sent_and_signed_as_botocore_would(way: str, token: str | None) -> None:
    settings = ConnectionSettings(
        access_key_id="AKIDCONFORM",
        secret_access_key="se/cret+Key=",
        session_token=token,
        **dict(WAYS)[way],
    )
    context = S3Context(settings)
    decision = fastput_setup.decide(context)
    fast = decision.fast
    assert fast is not None, decision.reason
    client = make_client(settings)
    # The decision checked against the client gives the same sender.
    assert fastput_setup.decide(S3Context(settings), client).fast is not None
    buckets = ["conform-bucket", "dotted.bucket.name"]
    cases = itertools.product(buckets, enumerate(KEYS), OPERATIONS)
    checked = 0
    for bucket, (i, key), operation in cases:
        if operation == "head_bucket" and i:
            continue
        headers = HEADERS[i % len(HEADERS)]
        if operation not in ("put_object", "create_multipart_upload"):
            headers = {}
        elif any(not v.isascii() for v in headers.values()):
            # Not sent by the lean path (``headers_for`` leaves it to botocore, which
            # refuses non-ASCII metadata): the signer alone is compared below.
            headers = {"content-type": "text/plain"}
        body = b"0123456789" if operation in ("put_object", "upload_part") else b""
        method, url = captured_url(client, operation, **_botocore_params(operation, bucket, key))
        lean = _lean_request(fast, operation, bucket, key, headers, body)
        lean_url = f"{'https' if fast.https else 'http'}://{lean.headers['host']}{lean.target}"
        assert _same_url(lean_url, url), (operation, bucket, key)
        sent = {
            k: v
            for k, v in lean.headers.items()
            if k not in {"authorization", "user-agent", "host", "x-amz-date",
                         "x-amz-security-token", "x-amz-content-sha256"}
        }  # fmt: skip
        if operation == "complete_multipart_upload":
            body = lean.body or b""
        reference = botocore_signed(
            method,
            url,
            sent,
            access_key="AKIDCONFORM",
            secret_key="se/cret+Key=",
            token=token,
            region=lean.headers["authorization"].split("/")[2],
            amz_date=lean.headers["x-amz-date"],
            sign_payload=fast.sign_payload,
            body=body,
        )
        assert lean.headers["authorization"] == reference.authorization, (
            operation,
            bucket,
            key,
            reference.canonical_request,
        )
        assert lean.headers["x-amz-content-sha256"] == reference.headers["x-amz-content-sha256"]
        checked += 1
    assert checked > 150
    fast.close()


@pytest.mark.parametrize(
    ("headers", "token"),
    [(h, t) for h in HEADERS for t in (None, TOKEN)],
)
def test_the_canonical_request_is_botocores(headers: dict[str, str], token: str | None) -> None:
    """Signer level, with headers the lean path never sends (unicode metadata) too."""
    from urllib.parse import quote

    creds = Credentials("AKIDCANON", "canon/secret", token)
    for key in KEYS:
        path = "/bkt/" + quote(key, safe="/~")
        for query in ("", "partNumber=2&uploadId=a%2Fb", "uploads="):
            signer = Signer("eu-west-3", "s3.example.test:8443", lambda: creds)
            mine = signer.sign("PUT", path, query, headers, "UNSIGNED-PAYLOAD", at=1_765_000_000)
            signed = dict(mine.headers)
            url = f"https://s3.example.test:8443{path}" + (f"?{query}" if query else "")
            reference = botocore_signed(
                "PUT",
                url,
                headers,
                access_key="AKIDCANON",
                secret_key="canon/secret",
                token=token,
                region="eu-west-3",
                amz_date=signed["x-amz-date"],
                sign_payload=False,
            )
            assert mine.canonical_request == reference.canonical_request
            assert signed["authorization"] == reference.authorization


def test_unicode_headers_stay_on_botocore() -> None:
    """The lean path sends only ASCII headers (botocore refuses non-ASCII metadata)."""
    assert FastPut.headers_for({"Metadata": {"author": "Jürgen"}}) is None
    assert FastPut.headers_for({"ContentDisposition": 'attachment; filename="ü.txt"'}) is None
    assert FastPut.headers_for(
        {"ContentDisposition": "attachment; filename*=UTF-8''%C3%BC.txt"}
    ) == {"content-disposition": "attachment; filename*=UTF-8''%C3%BC.txt"}
