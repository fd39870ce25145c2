"""The lean PutObject/UploadPart sender: signing, headers, errors and faults.

A scripted HTTP server on 127.0.0.1 plays the S3 endpoint so each answer (an error, a
dropped connection, a lying checksum) is exact; SeaweedFS checks the signatures for real
in ``test_fastput_seaweed`` below and in the integration tests.
"""

from __future__ import annotations

import calendar
import hashlib
import http.server
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import (
    AccessDenied,
    AclNotSupported,
    AuthError,
    ClockSkewError,
    IntegrityError,
)
from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.s3 import fastput, fastput_setup
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.settings import ConnectionSettings
from s3uploader_gui.core.transfers.checksums import composite_crc32, crc32_b64
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.model import ItemStatus, ObjectOptions
from s3uploader_gui.core.transfers.settings import EngineSettings, MiB
from tests.conftest import seaweed_settings
from tests.helpers.files import make_random


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Script:
    """What the fake endpoint answers, request after request (the last one repeats)."""

    answers: list[Callable[[http.server.BaseHTTPRequestHandler, Seen], None]]
    seen: list[Seen] = field(default_factory=list)
    connections: set[int] = field(default_factory=set)


def ok(handler: http.server.BaseHTTPRequestHandler, seen: Seen) -> None:
    handler.send_response(200)
    handler.send_header("ETag", '"abc"')
    handler.send_header("x-amz-checksum-crc32", seen.headers["x-amz-checksum-crc32"])
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def error(status: int, code: str, extra: str = "") -> Callable[..., None]:
    def answer(handler: http.server.BaseHTTPRequestHandler, seen: Seen) -> None:
        body = f"<Error><Code>{code}</Code><Message>m</Message>{extra}</Error>".encode()
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


@pytest.fixture
def fake() -> Iterator[tuple[str, Script]]:
    script = Script([ok])

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_PUT(self) -> None:
            script.connections.add(self.client_address[1])
            length = int(self.headers.get("Content-Length", 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            seen = Seen(self.command, self.path, headers, b"")
            answer = script.answers[min(len(script.seen), len(script.answers) - 1)]
            script.seen.append(seen)
            if getattr(answer, "before_body", False):
                answer(self, seen)
                self.close_connection = True
                return
            seen.body = self.rfile.read(length)
            answer(self, seen)

        do_POST = do_PUT  # multipart create and complete
        do_DELETE = do_PUT  # multipart abort

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", script
    finally:
        server.shutdown()
        server.server_close()


def _context(endpoint: str, token: str | None = None) -> S3Context:
    return S3Context(
        ConnectionSettings(
            endpoint_url=endpoint,
            region="eu-west-3",
            access_key_id="AKIDFAST",
            secret_access_key="secret-fast",
            session_token=token,
            addressing_style="path",
        )
    )


def _upload(
    context: S3Context, path: Path, key: str, cancel: CancelToken | None = None, **settings: Any
) -> tuple[Any, list[str], TransferEngine]:
    states: list[str] = []
    engine = TransferEngine(context, EngineSettings(**settings))
    assert engine.fast is not None
    try:
        (result,) = engine.upload(
            "bkt",
            [UploadSource(path, key, path.stat().st_size)],
            on_state=lambda i, s, d: states.append(d),
            cancel=cancel,
        )
    finally:
        engine.close()
    return result, states, engine


def test_put_is_signed_with_every_header_and_the_token(
    fake: tuple[str, Script], tmp_path: Path
) -> None:
    endpoint, script = fake
    f = make_random(tmp_path / "a b.jpg", 5000)
    options = ObjectOptions(
        cache_control="max-age=60",
        metadata={"Owner": "me"},
        sse="AES256",
        storage_class="STANDARD_IA",
    )
    result, _, _ = _upload(_context(endpoint, token="tok-123"), f, "dir/a b+ü.jpg", options=options)
    assert result.status == ItemStatus.DONE and result.detail == "CRC32"
    (seen,) = script.seen
    assert seen.path == "/bkt/dir/a%20b%2B%C3%BC.jpg"
    assert seen.body == f.read_bytes()
    h = seen.headers
    assert h["x-amz-checksum-crc32"] == crc32_b64(f.read_bytes())
    assert h["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"  # loopback: the CRC guards it
    assert h["content-type"] == "image/jpeg"
    assert h["cache-control"] == "max-age=60"
    assert h["x-amz-meta-owner"] == "me"
    assert h["x-amz-server-side-encryption"] == "AES256"
    assert h["x-amz-storage-class"] == "STANDARD_IA"
    assert h["x-amz-security-token"] == "tok-123"
    auth = h["authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIDFAST/")
    assert "/eu-west-3/s3/aws4_request" in auth
    signed = auth.split("SignedHeaders=")[1].split(",")[0].split(";")
    # Every x-amz-* header is signed (S3 refuses unsigned ones), the token too.
    assert {n for n in h if n.startswith("x-amz-")} <= set(signed)
    assert {"host", "content-type", "cache-control"} <= set(signed)
    assert "expect" not in h


def test_signature_matches_botocore(fake: tuple[str, Script]) -> None:
    """The same request signed by botocore's S3 SigV4 signer gives the same signature."""
    import botocore.auth
    import botocore.credentials
    from botocore.awsrequest import AWSRequest
    from botocore.config import Config

    endpoint, _ = fake
    sender = fastput.FastPut(
        endpoint,
        "us-east-1",
        lambda: fastput.Credentials("AKID", "SECRET", None),
        sign_payload=False,
    )
    path = "/b/k%20%C3%A9%2B/x~y"
    query = "partNumber=3&uploadId=a%2Fb"
    request = AWSRequest(
        method="PUT",
        url=f"{endpoint}{path}?{query}",
        headers={
            "x-amz-checksum-crc32": "AAAAAA==",
            "content-type": "a/b",
            "content-length": "10",
        },
        data=b"0123456789",
    )
    # As the app's client is configured for the local server (make_config).
    request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    signer = botocore.auth.S3SigV4Auth(
        botocore.credentials.Credentials("AKID", "SECRET"), "s3", "us-east-1"
    )
    signer.add_auth(request)
    at = calendar.timegm(time.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ"))
    head = sender._head(
        "PUT", path, query, f"{path}?{query}",
        {"x-amz-checksum-crc32": "AAAAAA==", "content-type": "a/b"}, 10, "UNSIGNED-PAYLOAD",
        at=at,
    )  # fmt: skip
    lines = head.decode().split("\r\n")
    sent = dict(line.split(": ", 1) for line in lines[1:] if line)
    assert request.headers["Authorization"] == sent["authorization"]


def test_slow_down_is_retried_then_succeeds(fake: tuple[str, Script], tmp_path: Path) -> None:
    endpoint, script = fake
    script.answers = [error(503, "SlowDown"), error(503, "SlowDown"), ok]
    f = make_random(tmp_path / "a.bin", 1000)
    result, states, _ = _upload(_context(endpoint), f, "a.bin")
    assert result.status == ItemStatus.DONE
    assert "retrying…" in states
    assert len(script.seen) == 3


@pytest.mark.parametrize(
    ("answer", "kind", "words"),
    [
        (error(400, "AccessControlListNotSupported"), AclNotSupported, "ACLs disabled"),
        (error(403, "SignatureDoesNotMatch"), AuthError, "secret"),
        (error(403, "AccessDenied"), AccessDenied, "bkt"),
        (
            error(403, "RequestTimeTooSkewed", "<ServerTime>2000-01-01T00:00:00Z</ServerTime>"),
            ClockSkewError,
            "clock",
        ),
    ],
)
def test_errors_are_typed_like_botocores(
    fake: tuple[str, Script], tmp_path: Path, answer: Any, kind: type, words: str
) -> None:
    endpoint, script = fake
    script.answers = [answer]
    f = make_random(tmp_path / "a.bin", 1000)
    result, _, _ = _upload(_context(endpoint), f, "a.bin", retry_budget_s=0.2)
    assert result.status == ItemStatus.FAILED
    assert isinstance(result.error, kind), result.error
    assert words in result.error.message.lower() or words in result.error.message


def test_clock_skew_names_the_offset(fake: tuple[str, Script], tmp_path: Path) -> None:
    endpoint, script = fake
    script.answers = [
        error(403, "RequestTimeTooSkewed", "<ServerTime>2000-01-01T00:00:00Z</ServerTime>")
    ]
    f = make_random(tmp_path / "a.bin", 100)
    result, _, _ = _upload(_context(endpoint), f, "a.bin")
    assert isinstance(result.error, ClockSkewError)
    assert result.error.offset_seconds is not None and result.error.offset_seconds > 3e8


def test_refusal_before_the_body_is_read_reports_the_refusal(
    fake: tuple[str, Script], tmp_path: Path
) -> None:
    """A server that answers 403 and closes without reading a 6 MiB body: the user sees
    "access denied", not "connection closed"."""
    endpoint, script = fake
    refuse = error(403, "AccessDenied")
    refuse.before_body = True  # type: ignore[attr-defined]
    script.answers = [refuse]
    f = make_random(tmp_path / "a.bin", 6 * MiB)
    result, _, _ = _upload(
        _context(endpoint), f, "a.bin", multipart_threshold=64 * MiB, retry_budget_s=0.2
    )
    assert isinstance(result.error, AccessDenied), result.error


def test_a_lying_checksum_fails_the_item(fake: tuple[str, Script], tmp_path: Path) -> None:
    endpoint, script = fake

    def liar(handler: http.server.BaseHTTPRequestHandler, seen: Seen) -> None:
        handler.send_response(200)
        handler.send_header("ETag", '"abc"')
        handler.send_header("x-amz-checksum-crc32", "AAAAAA==")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    script.answers = [liar]
    f = make_random(tmp_path / "a.bin", 1000)
    result, _, _ = _upload(_context(endpoint), f, "a.bin", retry_budget_s=0.2)
    assert isinstance(result.error, IntegrityError)


def test_a_closed_idle_connection_is_reopened_without_a_retry(
    fake: tuple[str, Script], tmp_path: Path
) -> None:
    endpoint, script = fake

    def ok_then_close(handler: http.server.BaseHTTPRequestHandler, seen: Seen) -> None:
        ok(handler, seen)
        handler.close_connection = True  # like a server's keep-alive timeout

    script.answers = [ok_then_close]
    files = [make_random(tmp_path / f"f{i}.bin", 500) for i in range(4)]
    engine = TransferEngine(_context(endpoint), EngineSettings(max_concurrency=1))
    states: list[str] = []
    try:
        results = engine.upload(
            "bkt",
            [UploadSource(p, p.name, 500) for p in files],
            on_state=lambda i, s, d: states.append(d),
        )
    finally:
        engine.close()
    assert [r.status for r in results] == [ItemStatus.DONE] * 4
    assert "retrying…" not in states
    assert len(script.seen) == 4 and len(script.connections) == 4


def test_dead_endpoint_is_unreachable(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    f = make_random(tmp_path / "a.bin", 100)
    result, _, _ = _upload(_context(f"http://127.0.0.1:{port}"), f, "a.bin", retry_budget_s=0.3)
    assert result.status == ItemStatus.FAILED
    assert "reach" in result.error.message and f"127.0.0.1:{port}" in result.error.message


def test_headers_for_leaves_what_it_cannot_send_to_botocore() -> None:
    assert fastput.headers_for({"ContentType": "a/b", "Metadata": {"K": "v"}}) == {
        "content-type": "a/b",
        "x-amz-meta-k": "v",
    }
    assert fastput.headers_for({"Metadata": {"k": "café"}}) is None  # not ASCII
    assert fastput.headers_for({"ContentType": "a\r\nx: y"}) is None
    assert fastput.headers_for({"Tagging": "a=b"}) is None  # not a header it knows


def _decided(client: bool = False, **settings: Any) -> fastput_setup.Decision:
    values: dict[str, Any] = {"access_key_id": "a", "secret_access_key": "b"}
    values.update(settings)
    ctx = S3Context(ConnectionSettings(**values))
    return fastput_setup.decide(ctx, ctx.client if client else None)


@pytest.mark.parametrize("client", [False, True], ids=["settings", "client"])
def test_every_endpoint_takes_the_fast_path_unless_a_proxy_applies(
    monkeypatch: pytest.MonkeyPatch, client: bool
) -> None:
    """Decided from the settings alone or checked against a built client, alike."""

    def fast_for(**settings: Any) -> fastput.FastPut | None:
        return _decided(client, **{"region": "us-east-1", **settings}).fast

    local = fast_for(endpoint_url="http://127.0.0.1:1")
    assert local is not None and not local.sign_payload
    https = fast_for(endpoint_url="https://127.0.0.1:1")  # reads the profile's CA bundle
    assert https is not None and not https.sign_payload
    remote = fast_for(endpoint_url="http://192.0.2.1:9000")
    assert remote is not None and remote.sign_payload
    aws = fast_for()  # AWS itself: its regions and redirects are handled too
    assert aws is not None and aws.addressing.endpoint is None
    virtual = fast_for(endpoint_url="http://s3.example.test:1", addressing_style="virtual")
    assert virtual is not None and virtual.addressing.style == "virtual"
    # An address has no virtual hosts: the client (and so the fast path) uses path style.
    on_ip = fast_for(endpoint_url="http://127.0.0.1:1", addressing_style="virtual")
    assert on_ip is not None and on_ip.addressing.style == "path"
    assert fast_for(region=None) is not None  # AWS_DEFAULT_REGION, as botocore
    monkeypatch.setenv("S3UPLOADER_FAST_PATH", "0")
    assert fast_for(endpoint_url="http://127.0.0.1:1") is None
    monkeypatch.delenv("S3UPLOADER_FAST_PATH")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    declined = _decided(client, endpoint_url="http://127.0.0.1:1", region="us-east-1")
    assert declined.fast is None and "proxy" in declined.reason
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # botocore goes direct: so does the fast path
    assert fast_for(endpoint_url="http://127.0.0.1:1") is not None
    assert fast_for(endpoint_url="https://127.0.0.1:1") is not None  # no HTTPS_PROXY


def test_a_profile_that_does_not_exist_declines_with_its_reason() -> None:
    decision = _decided(access_key_id=None, secret_access_key=None, aws_profile="nope")
    assert decision.fast is None and "ProfileNotFound" in decision.reason


def xml(body: str, status: int = 200) -> Callable[..., None]:
    def answer(handler: http.server.BaseHTTPRequestHandler, seen: Seen) -> None:
        data = body.encode()
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return answer


def test_multipart_on_the_fast_path_and_a_complete_failing_with_200_is_retried(
    fake: tuple[str, Script], tmp_path: Path
) -> None:
    """CompleteMultipartUpload can answer 200 with an <Error> in the body: that is a
    failure to retry, never a finished upload."""
    endpoint, script = fake
    f = make_random(tmp_path / "big.bin", 10 * MiB)
    data = f.read_bytes()
    crcs = [crc32_b64(data[: 5 * MiB]), crc32_b64(data[5 * MiB :])]
    composite = composite_crc32(crcs).split("-")[0]
    script.answers = [
        xml("<InitiateMultipartUploadResult><UploadId>up+1/x</UploadId></InitiateMultipartUploadResult>"),
        ok,
        ok,
        xml("<Error><Code>InternalError</Code><Message>try again</Message></Error>"),
        xml(
            "<CompleteMultipartUploadResult><ETag>\"e-2\"</ETag>"
            f"<ChecksumCRC32>{composite}-2</ChecksumCRC32></CompleteMultipartUploadResult>"
        ),
    ]  # fmt: skip
    context = _context(endpoint)
    result, states, engine = _upload(
        context, f, "dir/big.bin", multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB
    )
    assert result.status == ItemStatus.DONE, result.error
    assert [s.method for s in script.seen] == ["POST", "PUT", "PUT", "POST", "POST"]
    create, complete = script.seen[0], script.seen[-1]
    assert create.path == "/bkt/dir/big.bin?uploads"  # as botocore writes it
    assert create.headers["x-amz-checksum-algorithm"] == "CRC32"
    assert complete.path == "/bkt/dir/big.bin?uploadId=up%2B1%2Fx"
    body = complete.body.decode()
    for n, crc in enumerate(crcs, 1):
        assert f"<PartNumber>{n}</PartNumber><ETag>&quot;abc&quot;</ETag>" in body.replace(
            '"abc"', "&quot;abc&quot;"
        )
        assert f"<ChecksumCRC32>{crc}</ChecksumCRC32>" in body
    assert any("retrying" in s for s in states)
    # A command-line upload of one big file never built a botocore client.
    assert context._client is None and engine._client is None


def _cancelled_mid_multipart(
    fake: tuple[str, Script], tmp_path: Path, upload_id: str, abort: Callable[..., None]
) -> Any:
    """Upload 10 MiB in two parts, cancelled while the parts are on their way; the server
    answers the abort with ``abort``. The item's result."""
    endpoint, script = fake
    f = make_random(tmp_path / "big.bin", 10 * MiB)
    cancel = CancelToken()

    def part_then_cancel(handler: http.server.BaseHTTPRequestHandler, seen: Seen) -> None:
        if seen.method == "DELETE":  # the abort may overtake the second part's request
            abort(handler, seen)
            return
        cancel.cancel()
        ok(handler, seen)

    created = f"<InitiateMultipartUploadResult><UploadId>{upload_id}</UploadId>"
    script.answers = [xml(created + "</InitiateMultipartUploadResult>"), part_then_cancel]
    result, _, _ = _upload(
        _context(endpoint),
        f,
        "big.bin",
        cancel,
        multipart_threshold=5 * MiB,
        multipart_chunksize=5 * MiB,
    )
    return result


def test_cancelled_multipart_on_the_fast_path_is_aborted(
    fake: tuple[str, Script], tmp_path: Path
) -> None:
    result = _cancelled_mid_multipart(fake, tmp_path, "u1", xml("", 204))
    assert result.status == ItemStatus.CANCELLED
    deletes = [s for s in fake[1].seen if s.method == "DELETE"]
    assert [d.path for d in deletes] == ["/bkt/big.bin?uploadId=u1"]


def test_small_uploads_with_explicit_keys_build_no_botocore_client(
    fake: tuple[str, Script], tmp_path: Path
) -> None:
    endpoint, script = fake
    context = _context(endpoint)
    f = make_random(tmp_path / "a.bin", 1000)
    engine = TransferEngine(context)
    try:
        (result,) = engine.upload("bkt", [UploadSource(f, "a.bin", 1000)])
    finally:
        engine.close()
    assert result.status == ItemStatus.DONE
    assert len(script.seen) == 1
    assert context._client is None and engine._client is None


def test_plain_http_to_another_computer_signs_the_payload(
    fake: tuple[str, Script], tmp_path: Path
) -> None:
    endpoint, script = fake
    sender = fastput.FastPut(
        endpoint, "us-east-1", lambda: fastput.Credentials("a", "b", None), sign_payload=True
    )
    engine = TransferEngine(_context(endpoint))
    engine._fast, engine._fast_checked = sender, True  # as for http://<remote host>
    f = make_random(tmp_path / "a.bin", 1000)
    try:
        (result,) = engine.upload("bkt", [UploadSource(f, "a.bin", 1000)])
    finally:
        engine.close()
    assert result.status == ItemStatus.DONE
    assert (
        script.seen[0].headers["x-amz-content-sha256"] == hashlib.sha256(f.read_bytes()).hexdigest()
    )


def test_fastput_seaweed_odd_keys_and_parts_verify(
    seaweed: LocalServerInfo, seaweed_bucket: str, tmp_path: Path
) -> None:
    """SeaweedFS checks every signature: odd keys, metadata and multipart parts."""
    context = S3Context(seaweed_settings(seaweed))
    keys = ["sp ace.bin", "uni-ü-日本.bin", "plus+hash#q?pct%.bin", "a/b/c d.bin", "tilde~x.bin"]
    files = [make_random(tmp_path / f"k{i}.bin", 3000 + i) for i in range(len(keys))]
    big = make_random(tmp_path / "big.bin", 11 * MiB)
    engine = TransferEngine(
        context,
        EngineSettings(
            multipart_threshold=5 * MiB,
            multipart_chunksize=5 * MiB,
            options=ObjectOptions(metadata={"owner": "me"}, cache_control="no-cache"),
        ),
    )
    assert engine.fast is not None
    sent: list[str] = []
    engine.register("after-call.s3", lambda event_name, **kw: sent.append(event_name))
    sources = [
        UploadSource(p, f"odd/{k}", p.stat().st_size) for p, k in zip(files, keys, strict=True)
    ]
    # Multipart create, parts and complete signed for an odd key too.
    sources.append(UploadSource(big, "odd/big ü+#?%.bin", big.stat().st_size))
    try:
        results = engine.upload(seaweed_bucket, sources)
    finally:
        engine.close()
    assert [r.status for r in results] == [ItemStatus.DONE] * len(sources), [
        r.error for r in results
    ]
    assert sent.count("after-call.s3.PutObject") == len(keys)
    assert sent.count("after-call.s3.UploadPart") == 3
    assert sent.count("after-call.s3.CreateMultipartUpload") == 1
    assert sent.count("after-call.s3.CompleteMultipartUpload") == 1
    assert engine._client is None  # no botocore client was needed for any of it
    for source in sources:
        got = context.client.get_object(Bucket=seaweed_bucket, Key=source.key)
        assert got["Body"].read() == source.path.read_bytes(), source.key
    head = context.client.head_object(Bucket=seaweed_bucket, Key=sources[0].key)
    assert head["Metadata"] == {"owner": "me"} and head["CacheControl"] == "no-cache"


def test_wrong_secret_on_the_fast_path_is_an_auth_error(
    seaweed: LocalServerInfo, seaweed_bucket: str, tmp_path: Path
) -> None:
    info = LocalServerInfo(
        seaweed.endpoint_url, seaweed.access_key_id, "not-the-secret", seaweed.data_dir, 0
    )
    context = S3Context(seaweed_settings(info))
    f = make_random(tmp_path / "a.bin", 100)
    engine = TransferEngine(context, EngineSettings(retry_budget_s=0.2))
    assert engine.fast is not None
    try:
        (result,) = engine.upload(seaweed_bucket, [UploadSource(f, "a.bin", 100)])
    finally:
        engine.close()
    assert isinstance(result.error, AuthError), result.error


def test_head_object_answers_like_botocore(
    seaweed: LocalServerInfo, seaweed_bucket: str, tmp_path: Path
) -> None:
    context = S3Context(seaweed_settings(seaweed))
    f = make_random(tmp_path / "h.jpg", 4321)
    engine = TransferEngine(
        context, EngineSettings(options=ObjectOptions(metadata={"who": "me"}, cache_control="x"))
    )
    try:
        (r,) = engine.upload(seaweed_bucket, [UploadSource(f, "head/h ü.jpg", 4321)])
        assert r.status == ItemStatus.DONE
        assert engine.fast is not None
        mine = engine.fast.head_object(seaweed_bucket, "head/h ü.jpg")
        with pytest.raises(Exception) as missing:
            engine.fast.head_object(seaweed_bucket, "head/none")
    finally:
        engine.close()
    theirs = context.client.head_object(
        Bucket=seaweed_bucket, Key="head/h ü.jpg", ChecksumMode="ENABLED"
    )
    for name in ("ContentLength", "ETag", "LastModified", "ContentType", "Metadata"):
        assert mine[name] == theirs[name], name
    assert mine["ChecksumCRC32"] == theirs["ChecksumCRC32"] == crc32_b64(f.read_bytes())
    assert mine["CacheControl"] == "x"
    from s3uploader_gui.core.errors import NotFound, translate

    assert isinstance(translate(missing.value), NotFound)


@pytest.mark.parametrize(
    ("policy", "change", "status", "keys"),
    [
        ("skip-identical", False, ItemStatus.SKIPPED, ["c/a.bin"]),
        ("skip-identical", True, ItemStatus.DONE, ["c/a.bin"]),
        ("rename", True, ItemStatus.DONE, ["c/a (1).bin", "c/a.bin"]),
        ("skip", True, ItemStatus.SKIPPED, ["c/a.bin"]),
    ],
)
def test_conflicts_on_the_fast_path(
    seaweed: LocalServerInfo,
    tmp_path: Path,
    policy: str,
    change: bool,
    status: ItemStatus,
    keys: list[str],
) -> None:
    from s3uploader_gui.core.objects import create_bucket
    from s3uploader_gui.core.transfers.model import ConflictPolicy
    from tests.conftest import unique_bucket

    context = S3Context(seaweed_settings(seaweed))
    bucket = unique_bucket("conflict")
    create_bucket(context.client, bucket)
    f = make_random(tmp_path / "a.bin", 2000)
    first = TransferEngine(context)
    try:
        (r,) = first.upload(bucket, [UploadSource(f, "c/a.bin", 2000)])
    finally:
        first.close()
    assert r.status == ItemStatus.DONE
    if change:
        make_random(f, 2000)  # same size, other bytes
    engine = TransferEngine(context, EngineSettings(conflict=ConflictPolicy(policy)))
    assert engine.fast is not None
    heads: list[str] = []
    engine.register("after-call.s3.HeadObject", lambda event_name, **kw: heads.append(event_name))
    try:
        (r,) = engine.upload(bucket, [UploadSource(f, "c/a.bin", 2000)])
    finally:
        engine.close()
    assert r.status == status, r.error
    assert heads  # the check went the lean way
    listed = context.client.list_objects_v2(Bucket=bucket)["Contents"]
    assert sorted(o["Key"] for o in listed) == keys


def test_multipart_answers_that_make_no_sense_fail_the_item_clearly(
    fake: tuple[str, Script], tmp_path: Path
) -> None:
    """A create answered 200 without an upload id is a server error (retried, then the
    item fails with a clear message), not a crash or parts sent to no upload."""
    endpoint, script = fake
    f = make_random(tmp_path / "big.bin", 10 * MiB)
    script.answers = [xml("<InitiateMultipartUploadResult></InitiateMultipartUploadResult>")]
    result, _, _ = _upload(
        _context(endpoint),
        f,
        "big.bin",
        multipart_threshold=5 * MiB,
        multipart_chunksize=5 * MiB,
        retry_budget_s=1.0,
    )
    assert result.status == ItemStatus.FAILED
    assert "failing (500)" in str(result.error), result.error  # one clear sentence
    assert {s.method for s in script.seen} == {"POST"}  # no part went to an unknown upload


def test_an_abort_the_server_no_longer_knows_is_not_an_error(
    fake: tuple[str, Script], tmp_path: Path
) -> None:
    result = _cancelled_mid_multipart(fake, tmp_path, "u2", error(404, "NoSuchUpload"))
    assert result.status == ItemStatus.CANCELLED, result.error
    assert [s.method for s in fake[1].seen].count("DELETE") == 1


@pytest.mark.parametrize(
    "text",
    [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Tue, 29 Feb 2000 23:59:59 GMT",
        "Mon, 07 Dec 2026 00:00:00 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",  # the forms below go to email.utils
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Sun, 06 Nov 1994 08:49:37 +0100",
        "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 31 Feb 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:4:937 GMT",
        "not a date",
    ],
)
def test_a_last_modified_date_is_read_as_email_utils_reads_it(text: str) -> None:
    import email.utils

    def read(parse: Callable[[str], Any]) -> Any:
        try:
            when = parse(text)
        except (TypeError, ValueError) as exc:
            return type(exc)
        return when, when.tzinfo

    assert read(fastput.http_date) == read(email.utils.parsedate_to_datetime)
