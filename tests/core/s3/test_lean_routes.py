"""Which connections take the lean path, and where it sends each bucket's requests.

The decision is made from the settings and botocore's configuration, without a client;
where a client exists it must agree with it. Routes (host, path, region) are compared
with the URL the app's botocore client builds for the same request; nothing is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from s3uploader_gui.core.s3 import fastput_setup
from s3uploader_gui.core.s3.client import S3Context, make_client
from s3uploader_gui.core.s3.routing import Addressing, virtual_hostable
from s3uploader_gui.core.s3.settings import ConnectionSettings
from tests.helpers.sigv4 import captured_url, loopback_only


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    with loopback_only():
        yield


def _decision(client: bool = False, **settings: Any) -> fastput_setup.Decision:
    context = S3Context(ConnectionSettings(**settings))
    return fastput_setup.decide(context, context.client if client else None)


@pytest.mark.parametrize("client", [False, True], ids=["config", "client"])
@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"AWS_ENDPOINT_URL_S3": "http://minio.test:9000"}, "http://minio.test:9000"),
        ({"AWS_ENDPOINT_URL": "https://r2.example.test"}, "https://r2.example.test"),
        (
            {"AWS_ENDPOINT_URL": "https://all.test", "AWS_ENDPOINT_URL_S3": "https://s3.test"},
            "https://s3.test",
        ),
        (
            {"AWS_ENDPOINT_URL_S3": "http://x.test", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
            None,
        ),
        ({}, None),
    ],
)
def test_the_standard_chain_finds_the_endpoint_botocore_uses(
    env: dict[str, str], expected: str | None, client: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    decision = _decision(client)
    fast = decision.fast
    assert fast is not None, decision.reason
    assert fast.addressing.endpoint == expected
    assert fast.addressing.style == ("path" if expected else "auto")
    assert "keys from the environment" in decision.reason


@pytest.mark.parametrize("client", [False, True], ids=["config", "client"])
def test_a_profile_of_aws_config_gives_endpoint_region_and_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, client: bool
) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile work]\nregion = ap-south-1\nservices = work-s3\n"
        "aws_access_key_id = AKIDWORK\naws_secret_access_key = work/secret\n"
        "[services work-s3]\ns3 =\n  endpoint_url = https://ceph.example.test:7480\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_DEFAULT_REGION")  # it would win over the profile's, as it should
    decision = _decision(client, aws_profile="work")
    fast = decision.fast
    assert fast is not None, decision.reason
    assert fast.addressing.endpoint == "https://ceph.example.test:7480"
    assert fast.region == "ap-south-1"
    assert fast.credentials().access_key == "AKIDWORK"


@pytest.mark.parametrize(
    ("env", "why"),
    [
        ({"AWS_USE_FIPS_ENDPOINT": "true"}, "FIPS"),
        ({"AWS_USE_DUALSTACK_ENDPOINT": "true"}, "dual-stack"),
        ({"AWS_DEFAULT_REGION": "us-iso-east-1"}, "partition"),
        ({"HTTPS_PROXY": "http://127.0.0.1:3128"}, "proxy"),
        ({"HTTPS_PROXY": "http://127.0.0.1:3128", "NO_PROXY": "s3.amazonaws.com"}, "proxy"),
    ],
)
def test_what_the_lean_path_cannot_send_stays_on_botocore(
    env: dict[str, str], why: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    decision = _decision()
    assert decision.fast is None and why in decision.reason


def test_a_proxy_bypassed_for_the_whole_domain_keeps_the_lean_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("NO_PROXY", ".amazonaws.com")
    assert _decision().fast is not None
    monkeypatch.setenv("NO_PROXY", "minio.test")
    assert _decision(endpoint_url="https://minio.test", region="us-east-1").fast is not None
    assert _decision(endpoint_url="https://other.test", region="us-east-1").fast is None


def test_accelerated_endpoints_stay_on_botocore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    config = tmp_path / "config"
    config.write_text("[default]\ns3 =\n  use_accelerate_endpoint = true\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    decision = _decision()
    assert decision.fast is None and "accelerated" in decision.reason


def test_a_client_that_disagrees_is_not_second_guessed() -> None:
    settings = ConnectionSettings(
        endpoint_url="http://127.0.0.1:9000", access_key_id="a", secret_access_key="b",
        region="us-east-1",
    )  # fmt: skip
    other = make_client(
        ConnectionSettings(endpoint_url="http://127.0.0.1:9001", region="eu-west-1")
    )
    decision = fastput_setup.decide(S3Context(settings), other)
    assert decision.fast is None and "signs for eu-west-1" in decision.reason


def test_s3_express_directory_buckets_stay_on_botocore() -> None:
    fast = _decision(region="us-west-2").fast
    assert fast is not None
    assert fast.serves("photos") and not fast.serves("photos--usw2-az1--x-s3")
    on_minio = _decision(endpoint_url="http://127.0.0.1:9000", region="us-east-1").fast
    assert on_minio is not None and on_minio.serves("photos--usw2-az1--x-s3")


def test_an_engine_sends_a_directory_buckets_batch_through_botocore() -> None:
    from s3uploader_gui.core.transfers.engine import TransferEngine

    settings = ConnectionSettings(region="us-west-2", access_key_id="a", secret_access_key="b")
    engine = TransferEngine(S3Context(settings))
    try:
        assert engine.fast_for("photos") is not None and engine.request_path == "lean"
        assert engine.fast_for("photos--usw2-az1--x-s3") is None
        assert engine.request_path == "botocore" and "directory" in engine.request_path_reason
    finally:
        engine.close()


REGIONS = ["us-east-1", "us-west-2", "eu-west-3", "ap-southeast-5", "mx-central-1",
           "cn-north-1", "cn-northwest-1", "us-gov-west-1", "il-central-1"]  # fmt: skip


@pytest.mark.parametrize("regional", [False, True], ids=["legacy", "regional"])
@pytest.mark.parametrize("style", ["auto", "virtual", "path"])
def test_aws_routes_are_botocores(
    style: str, regional: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if regional:
        monkeypatch.setenv("AWS_S3_US_EAST_1_REGIONAL_ENDPOINT", "regional")
    for region in REGIONS:
        settings = ConnectionSettings(
            region=region, access_key_id="a", secret_access_key="b",
            addressing_style=style,  # type: ignore[arg-type]
        )  # fmt: skip
        fast = fastput_setup.decide(S3Context(settings)).fast
        assert fast is not None, region
        client = make_client(settings)
        for bucket in ("plain-bucket", "dotted.name.bucket", "ab1", "a--b", "x" * 63):
            _, url = captured_url(client, "put_object", Bucket=bucket, Key="k ü/x", Body=b"")
            route = fast.route(bucket)
            assert url == f"{route.place.url}{route.place.prefix}/k%20%C3%BC/x", (region, bucket)
            assert route.signer.region == region


def test_a_redirect_moves_an_aws_bucket_to_its_regions_host() -> None:
    settings = ConnectionSettings(region="us-east-1", access_key_id="a", secret_access_key="b")
    context = S3Context(settings)
    fast = fastput_setup.decide(context).fast
    assert fast is not None
    assert fast.route("photos").place.url == "https://photos.s3.amazonaws.com"
    fast._move("photos", "eu-west-3")
    route = fast.route("photos")
    assert route.place.url == "https://photos.s3.eu-west-3.amazonaws.com"
    assert route.signer.region == "eu-west-3"
    assert context.known_region("photos") == "eu-west-3"
    # A later engine of the connection starts where the bucket is.
    again = fastput_setup.decide(context).fast
    assert again is not None
    assert again.route("photos").place.url == "https://photos.s3.eu-west-3.amazonaws.com"


def test_virtual_host_names_as_botocore_allows_them() -> None:
    assert virtual_hostable("my-bucket", dots=False)
    assert not virtual_hostable("my.bucket", dots=False) and virtual_hostable(
        "my.bucket", dots=True
    )
    assert not virtual_hostable("ab", dots=True)
    assert not virtual_hostable("192.168.1.10", dots=True)
    assert not virtual_hostable("Upper", dots=True)
    assert not virtual_hostable("a..b", dots=True)
    place = Addressing("https://s3.test/base/", "virtual").place("bkt", "us-east-1")
    assert (place.url, place.prefix) == ("https://bkt.s3.test", "/base")
    ipv6 = Addressing("http://[::1]:9000", "path").place("bkt", "us-east-1")
    assert (ipv6.host, ipv6.host_header, ipv6.prefix) == ("::1", "[::1]:9000", "/bkt")
