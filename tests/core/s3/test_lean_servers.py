"""The lean request path against real servers on 127.0.0.1, the way users connect.

SeaweedFS (signatures enforced) through botocore's standard chain: keys and endpoint from
``AWS_*`` variables, or from ``~/.aws`` files; moto's server in virtual-hosted
addressing and over HTTPS with a CA made for the test; and a crafted server that checks
every signature with botocore, to follow session tokens, credentials refreshed before they
expire, and a bucket that lives in another region (301 and 400 redirects). Each upload is
checked with boto3 (or by the server that verified it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from s3uploader_gui.core.errors import AppError
from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.operations.connect import open_connection
from s3uploader_gui.core.s3 import client as client_module
from s3uploader_gui.core.s3.client import S3Context, make_client
from s3uploader_gui.core.s3.settings import ConnectionSettings
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import ItemStatus
from s3uploader_gui.core.transfers.settings import EngineSettings, MiB
from tests.conftest import unique_bucket
from tests.helpers.files import make_random
from tests.helpers.sigv4 import loopback_only
from tests.helpers.sigv4_server import sigv4_server
from tests.helpers.tls import make_tls, tls_moto_server


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    with loopback_only():
        yield


def _sources(tmp_path: Path, n: int = 3, big: int = 0) -> list[UploadSource]:
    files = [make_random(tmp_path / f"s{i} ü+.bin", 2000 + i) for i in range(n)]
    if big:
        files.append(make_random(tmp_path / "big.bin", big))
    return [UploadSource(p, f"lean/{p.name}", p.stat().st_size) for p in files]


def _upload(engine: TransferEngine, bucket: str, sources: list[UploadSource]) -> None:
    try:
        results = engine.upload(bucket, sources)
    finally:
        engine.close()
    assert [r.status for r in results] == [ItemStatus.DONE] * len(sources), [
        r.error for r in results
    ]


def _stored(client: Any, bucket: str, sources: list[UploadSource]) -> None:
    for source in sources:
        body = client.get_object(Bucket=bucket, Key=source.key)["Body"].read()
        assert body == source.path.read_bytes(), source.key


_MULTIPART = EngineSettings(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)


def test_the_standard_chain_from_the_environment_takes_the_lean_path(
    seaweed: LocalServerInfo,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Keys and ``AWS_ENDPOINT_URL_S3`` from the environment, as the AWS CLI is used; a
    host name (not an address), so nothing forces path style but botocore's own rule."""
    port = seaweed.endpoint_url.rsplit(":", 1)[1]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", seaweed.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", seaweed.secret_access_key)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://weed.test:{port}")
    connection = open_connection(None)
    try:
        engine = TransferEngine(connection.context, _MULTIPART)
        sources = _sources(tmp_path, big=6 * MiB)
        _upload(engine, seaweed_bucket, sources)
        assert engine.request_path == "lean", engine.request_path_reason
        assert "keys from the environment" in engine.request_path_reason
    finally:
        connection.close()
    _stored(seaweed_context.client, seaweed_bucket, sources)


def test_keys_and_endpoint_from_aws_config_files_take_the_lean_path(
    seaweed: LocalServerInfo,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    port = seaweed.endpoint_url.rsplit(":", 1)[1]
    config = tmp_path / "config"
    config.write_text(
        f"[profile lean]\nregion = eu-west-1\nendpoint_url = http://weed.test:{port}\n"
    )
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[lean]\naws_access_key_id = {seaweed.access_key_id}\n"
        f"aws_secret_access_key = {seaweed.secret_access_key}\n"
    )
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_PROFILE", "lean")
    connection = open_connection(None, prepare_client=False)
    try:
        engine = connection.engine
        sources = _sources(tmp_path)
        _upload(engine, seaweed_bucket, sources)
        assert engine.request_path == "lean", engine.request_path_reason
        assert connection.context.built_client is None  # none was needed
    finally:
        connection.close()
    _stored(seaweed_context.client, seaweed_bucket, sources)


def _virtual_settings(endpoint: str) -> ConnectionSettings:
    return ConnectionSettings(
        endpoint_url=endpoint,
        region="us-east-1",
        access_key_id="testing",
        secret_access_key="testing",
        addressing_style="virtual",
    )


def test_virtual_hosted_addressing_against_moto(moto_server: str, tmp_path: Path) -> None:
    """The bucket in the host name (``BUCKET.s3.test:PORT``, resolved to 127.0.0.1)."""
    port = moto_server.rsplit(":", 1)[1]
    settings = _virtual_settings(f"http://s3.test:{port}")
    bucket = unique_bucket("virt")
    checker = make_client(settings)
    checker.create_bucket(Bucket=bucket)
    engine = TransferEngine(S3Context(settings), _MULTIPART)
    hosts: list[str] = []
    fast = engine.fast
    assert fast is not None, engine.request_path_reason
    fast.register("before-send.s3", lambda request, **_: hosts.append(request.headers["host"]))
    sources = _sources(tmp_path, big=6 * MiB)
    _upload(engine, bucket, sources)
    assert engine.request_path == "lean"
    assert set(hosts) == {f"{bucket}.s3.test:{port}"} and len(hosts) >= 6
    _stored(checker, bucket, sources)


@pytest.fixture(scope="module")
def tls_moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    tls = make_tls(tmp_path_factory.mktemp("tls"))
    with loopback_only(), tls_moto_server(tls) as port:
        yield tls.ca_file, port


@pytest.mark.parametrize("where", ["AWS_CA_BUNDLE", "profile ca_bundle"])
def test_https_with_the_ca_bundle_botocore_would_use(
    tls_moto: tuple[Path, int], where: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ca_file, port = tls_moto
    if where == "AWS_CA_BUNDLE":
        monkeypatch.setenv("AWS_CA_BUNDLE", str(ca_file))
    else:
        config = tmp_path / "config"
        config.write_text(f"[default]\nca_bundle = {ca_file}\n")
        monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    settings = ConnectionSettings(
        endpoint_url=f"https://127.0.0.1:{port}",
        region="us-east-1",
        access_key_id="testing",
        secret_access_key="testing",
    )
    bucket = unique_bucket("tls")
    checker = make_client(settings)
    checker.create_bucket(Bucket=bucket)
    engine = TransferEngine(S3Context(settings), _MULTIPART)
    fast = engine.fast
    assert fast is not None and fast.https and not fast.sign_payload
    sources = _sources(tmp_path, big=6 * MiB)
    _upload(engine, bucket, sources)
    assert engine.request_path == "lean"
    _stored(checker, bucket, sources)


def test_https_with_a_certificate_nobody_vouches_for_fails_before_sending(
    tls_moto: tuple[Path, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _, port = tls_moto
    other = make_tls(tmp_path / "other", "other")
    monkeypatch.setenv("AWS_CA_BUNDLE", str(other.ca_file))
    settings = ConnectionSettings(
        endpoint_url=f"https://127.0.0.1:{port}",
        region="us-east-1",
        access_key_id="testing",
        secret_access_key="testing",
    )
    engine = TransferEngine(S3Context(settings), EngineSettings(retry_budget_s=0))
    assert engine.fast is not None
    source = _sources(tmp_path, n=1)
    try:
        (result,) = engine.upload("nowhere", source)
    finally:
        engine.close()
    assert result.status == ItemStatus.FAILED
    assert isinstance(result.error, AppError)
    assert "certificate" in result.error.message.lower() or "ssl" in result.error.message.lower()


def _refreshing(monkeypatch: pytest.MonkeyPatch, clock: list[dt.datetime]) -> list[str]:
    """botocore's chain yields RefreshableCredentials on ``clock``: AKID1 (token1) for 20
    minutes, then a new key and token at each refresh. Returns the keys handed out."""
    from botocore.credentials import CredentialProvider, RefreshableCredentials

    handed = ["AKID1"]

    def refresh() -> dict[str, str]:
        n = len(handed) + 1
        handed.append(f"AKID{n}")
        expiry = clock[0] + dt.timedelta(hours=1)
        return {
            "access_key": f"AKID{n}",
            "secret_key": f"secret/{n}",
            "token": f"token+{n}",
            "expiry_time": expiry.isoformat(),
        }

    creds = RefreshableCredentials(
        "AKID1", "secret/1", "token+1", clock[0] + dt.timedelta(minutes=20), refresh,
        "test-refresh", time_fetcher=lambda: clock[0],
    )  # fmt: skip

    class Provider(CredentialProvider):  # type: ignore[misc]
        METHOD = "test-refresh"
        CANONICAL_NAME = "TestRefresh"

        def load(self) -> RefreshableCredentials:
            return creds

    real = client_module.make_core_session
    # Keys in the environment would be final (botocore's chain tries them first): the
    # connection would not ask botocore at all.
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)

    def make_core_session(settings: ConnectionSettings) -> Any:
        core = real(settings)
        core.get_component("credential_provider").insert_before("env", Provider())
        return core

    monkeypatch.setattr(client_module, "make_core_session", make_core_session)
    return handed


def test_session_tokens_and_credentials_refreshed_before_they_expire(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clock = [dt.datetime.now(dt.UTC)]
    handed = _refreshing(monkeypatch, clock)
    secrets = {f"AKID{n}": (f"secret/{n}", f"token+{n}") for n in range(1, 4)}
    with sigv4_server(secrets=secrets) as server:
        connection = open_connection(None, endpoint_url=server.url, prepare_client=False)
        try:
            engine = connection.engine
            first, second = _sources(tmp_path, n=2)
            _upload(engine, "bkt", [first])
            clock[0] += dt.timedelta(minutes=15)  # 5 minutes left: botocore must refresh
            _upload(engine, "bkt", [second])
            assert engine.request_path == "lean", engine.request_path_reason
        finally:
            connection.close()
    puts = [s for s in server.seen if s.method == "PUT"]
    assert [(s.access_key, s.token, s.status) for s in puts] == [
        ("AKID1", "token+1", 200),
        ("AKID2", "token+2", 200),
    ]
    assert handed == ["AKID1", "AKID2"]
    assert server.objects == {
        f"/bkt/lean/{src.path.name.replace(' ', '%20').replace('ü', '%C3%BC').replace('+', '%2B')}":
        src.path.read_bytes()
        for src in (first, second)
    }  # fmt: skip


@pytest.mark.parametrize("redirect", ["301", "400"])
def test_a_bucket_in_another_region_is_followed_once_and_remembered(
    redirect: str, tmp_path: Path
) -> None:
    with sigv4_server(
        secrets={"testing": ("testing", None)}, bucket_region="eu-west-3", redirect=redirect
    ) as server:
        settings = ConnectionSettings(
            endpoint_url=server.url,
            region="us-east-1",
            access_key_id="testing",
            secret_access_key="testing",
        )
        context = S3Context(settings)
        engine = TransferEngine(context, EngineSettings(max_concurrency=1))
        sources = _sources(tmp_path, n=3)
        _upload(engine, "bkt", sources)
    puts = [(s.region, s.status) for s in server.seen if s.method == "PUT"]
    bad = 301 if redirect == "301" else 400
    assert puts == [("us-east-1", bad), ("eu-west-3", 200), ("eu-west-3", 200), ("eu-west-3", 200)]
    assert context.known_region("bkt") == "eu-west-3"
    assert engine.request_path == "lean"


def test_a_server_that_keeps_redirecting_is_not_followed_twice(tmp_path: Path) -> None:
    with sigv4_server(
        secrets={"testing": ("testing", None)}, bucket_region="eu-west-3", always_redirect=True
    ) as server:
        settings = ConnectionSettings(
            endpoint_url=server.url,
            region="us-east-1",
            access_key_id="testing",
            secret_access_key="testing",
        )
        engine = TransferEngine(S3Context(settings), EngineSettings(retry_budget_s=0))
        (source,) = _sources(tmp_path, n=1)
        try:
            (result,) = engine.upload("bkt", [source])
        finally:
            engine.close()
    assert result.status == ItemStatus.FAILED
    puts = [(s.region, s.status) for s in server.seen if s.method == "PUT"]
    assert puts == [("us-east-1", 301), ("eu-west-3", 301)]


def test_a_token_with_a_carriage_return_never_reaches_the_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A token read from a file saved with CR LF: refused as botocore refuses it (a
    configuration error, one sentence), before a connection is opened."""
    from s3uploader_gui.core.errors import ConfigError

    monkeypatch.setenv("AWS_SESSION_TOKEN", "token-from-windows\r")
    with sigv4_server(secrets={"testing": ("testing", "token-from-windows")}) as server:
        connection = open_connection(None, endpoint_url=server.url, prepare_client=False)
        try:
            (result,) = connection.engine.upload("bkt", _sources(tmp_path, n=1))
            assert connection.engine.request_path == "lean"
        finally:
            connection.close()
    assert result.status == ItemStatus.FAILED
    assert isinstance(result.error, ConfigError) and "line break" in result.error.message
    assert server.seen == []


def test_temporary_credentials_of_a_credential_process_take_the_lean_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``credential_process`` in ``~/.aws/config`` (what SSO helpers and vaults use): its
    key, secret and session token sign every request."""
    from tests.helpers.temp_credentials import credential_process_config, new_secret, new_token

    secret, token = new_secret(), new_token()
    token_path = tmp_path / "token.txt"
    token_path.write_text(token, encoding="utf-8")
    config = credential_process_config(
        tmp_path, "ASIATEMPORARY", secret, token_path, expires_in=dt.timedelta(hours=1)
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    with sigv4_server(secrets={"ASIATEMPORARY": (secret, token)}) as server:
        connection = open_connection(None, endpoint_url=server.url, prepare_client=False)
        try:
            engine = connection.engine
            _upload(engine, "bkt", _sources(tmp_path, n=2))
            assert engine.request_path == "lean", engine.request_path_reason
        finally:
            connection.close()
    puts = [(s.access_key, s.token, s.status) for s in server.seen if s.method == "PUT"]
    assert puts == [("ASIATEMPORARY", token, 200)] * 2
