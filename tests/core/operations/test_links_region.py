"""Links that work where the bucket is: path style on an address or ``localhost`` (also
for an endpoint from ``AWS_ENDPOINT_URL_S3`` or ``~/.aws``), and signed and built for the
bucket's own region (moto's server over HTTP; in-process moto for AWS host names)."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from s3uploader_gui.core.operations.links import LinkKind, make_links
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.settings import AddressingStyle, ConnectionSettings
from tests.conftest import unique_bucket


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:
        data: bytes = answer.read()
    return data


def _scope(url: str) -> str:
    """The region of a SigV4 presigned URL's credential scope."""
    credential = parse_qs(urlsplit(url).query)["X-Amz-Credential"][0]
    return credential.split("/")[2]


@pytest.fixture
def endpoint_from(
    request: pytest.FixtureRequest,
    moto_server: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """moto's server named by the environment or by ~/.aws, as 127.0.0.1 or localhost."""
    where, host = str(request.param).split("-")
    endpoint = moto_server.replace("127.0.0.1", host)
    if where == "env":
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", endpoint)
    else:
        config = tmp_path / "aws-config"
        config.write_text(f"[default]\nendpoint_url = {endpoint}\n")
        monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    return endpoint


@pytest.mark.parametrize(
    "endpoint_from",
    ["env-127.0.0.1", "env-localhost", "config-127.0.0.1", "config-localhost"],
    indirect=True,
)
@pytest.mark.parametrize("style", ["auto", "virtual"])
def test_public_links_to_an_address_or_localhost_use_path_style(
    endpoint_from: str, style: AddressingStyle
) -> None:
    context = S3Context(
        ConnectionSettings(
            region="us-east-1",
            access_key_id="testing",
            secret_access_key="testing",
            addressing_style=style,
        )
    )
    assert context.endpoint == endpoint_from  # the configured endpoint, not AWS
    bucket = unique_bucket()
    # The client itself reaches the bucket (no bucket.localhost host name either).
    context.client.create_bucket(Bucket=bucket)
    context.client.put_object(Bucket=bucket, Key="a b.txt", Body=b"public", ACL="public-read")
    links = make_links(context, [(bucket, "a b.txt")], kind=LinkKind.PUBLIC)
    assert links.urls == (f"{endpoint_from}/{bucket}/a%20b.txt",)
    assert _fetch(links.urls[0]) == b"public"  # moto without auth serves it
    presigned = make_links(context, [(bucket, "a b.txt")], seconds=300)
    assert presigned.urls[0].startswith(f"{endpoint_from}/{bucket}/a%20b.txt?")
    assert _fetch(presigned.urls[0]) == b"public"


def test_presigned_links_are_signed_for_the_buckets_region(moto_context: S3Context) -> None:
    client = moto_context.client  # a us-east-1 session
    assert client.meta.region_name == "us-east-1"
    west = unique_bucket()
    client.create_bucket(Bucket=west, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    east = unique_bucket()
    client.create_bucket(Bucket=east)
    client.put_object(Bucket=west, Key="w.txt", Body=b"west")
    client.put_object(Bucket=east, Key="e.txt", Body=b"east")
    links = make_links(moto_context, [(west, "w.txt"), (east, "e.txt"), (west, "w.txt")])
    assert [_scope(url) for url in links.urls] == ["eu-west-1", "us-east-1", "eu-west-1"]
    assert [_fetch(url) for url in links.urls] == [b"west", b"east", b"west"]
    # Found once per bucket and kept on the connection.
    assert moto_context.bucket_region(west) == "eu-west-1"
    assert moto_context.bucket_region(east) == "us-east-1"


@pytest.fixture
def aws_context(moto_client: Any) -> Iterator[S3Context]:
    """A connection to AWS itself (in-process moto), its session in us-east-1."""
    moto_client.create_bucket(
        Bucket="west-pics", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    moto_client.create_bucket(Bucket="east-pics")
    yield S3Context(
        ConnectionSettings(region="us-east-1", access_key_id="AK", secret_access_key="SK")
    )


def test_links_on_aws_name_the_buckets_region(aws_context: S3Context) -> None:
    public = make_links(
        aws_context, [("west-pics", "a.jpg"), ("east-pics", "b.jpg")], kind=LinkKind.PUBLIC
    )
    assert public.urls == (
        "https://west-pics.s3.eu-west-1.amazonaws.com/a.jpg",
        "https://east-pics.s3.us-east-1.amazonaws.com/b.jpg",
    )
    presigned = make_links(aws_context, [("west-pics", "a.jpg")], seconds=60)
    url = presigned.urls[0]
    assert urlsplit(url).netloc == "west-pics.s3.eu-west-1.amazonaws.com"
    assert _scope(url) == "eu-west-1"


def test_an_unknown_region_keeps_the_connections_own(
    moto_context: S3Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that tells no region (or refuses to): links are made as before."""
    client = moto_context.client
    bucket = unique_bucket()
    client.create_bucket(Bucket=bucket)
    client.put_object(Bucket=bucket, Key="k", Body=b"x")

    def refuse(**_: Any) -> None:
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "AccessDenied"}}, "HeadBucket")

    monkeypatch.setattr(client, "head_bucket", refuse)
    monkeypatch.setattr(client, "get_bucket_location", refuse)
    links = make_links(moto_context, [(bucket, "k")], seconds=60)
    assert _scope(links.urls[0]) == "us-east-1" and not links.failed
    assert _fetch(links.urls[0]) == b"x"
