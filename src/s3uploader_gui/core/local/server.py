"""The embedded local S3 server: SeaweedFS (``weed mini``) on 127.0.0.1.

``weed`` runs under a small supervisor process that holds the read end of a pipe from
this process. When this process ends in any way (quit, Ctrl+C, crash, SIGKILL) the pipe
closes and the supervisor stops ``weed``: no orphan servers. Each run gets a fresh random
access key and secret, passed to ``weed`` through its environment only, never a file.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from s3uploader_gui.core.errors import ConfigError, EndpointUnreachable, ServerNotInstalled
from s3uploader_gui.core.local.info import DEFAULT_BUCKET as DEFAULT_BUCKET  # re-exported
from s3uploader_gui.core.local.info import LOCAL_HOST, LocalServerInfo
from s3uploader_gui.core.local.supervisor import SUPERVISOR_FLAG


def find_weed() -> str | None:
    """The ``weed`` binary: next to this Python (the venv's bin), then on PATH."""
    candidates = [
        Path(sysconfig.get_path("scripts")) / "weed",
        Path(sys.executable).parent / "weed",
    ]
    bundle = getattr(sys, "_MEIPASS", None)  # a PyInstaller bundle ships weed inside
    if bundle:
        candidates.insert(0, Path(bundle) / "weed")
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("weed")


def supervisor_command() -> list[str]:
    """How to start the supervisor: ``python -m ...``, or the bundle's own executable."""
    if getattr(sys, "frozen", False):
        return [sys.executable, SUPERVISOR_FLAG]
    return [sys.executable, "-m", "s3uploader_gui.core.local.supervisor"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCAL_HOST, 0))
        return int(sock.getsockname()[1])


def _weed_args(weed: str, data_dir: Path, s3_port: int) -> list[str]:
    ports = {name: free_port() for name in ("master", "volume", "filer", "admin")}
    grpc = {name: free_port() for name in ("master", "volume", "filer", "admin", "s3")}
    return [
        weed,
        "mini",
        f"-dir={data_dir}",
        # Loopback only, no telemetry to a remote URL, no extra services.
        f"-ip={LOCAL_HOST}",
        f"-ip.bind={LOCAL_HOST}",
        "-master.telemetry=false",
        "-webdav=false",
        "-admin.ui=false",
        f"-s3.port={s3_port}",
        f"-s3.port.grpc={grpc['s3']}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        # S3 semantics: never delete a bucket that still holds objects.
        "-s3.allowDeleteBucketNotEmpty=false",
        f"-master.port={ports['master']}",
        f"-master.port.grpc={grpc['master']}",
        f"-volume.port={ports['volume']}",
        f"-volume.port.grpc={grpc['volume']}",
        f"-filer.port={ports['filer']}",
        f"-filer.port.grpc={grpc['filer']}",
        f"-admin.port={ports['admin']}",
        f"-admin.port.grpc={grpc['admin']}",
    ]


def _answers_http(port: int) -> bool:
    import http.client  # with ssl, ~20 ms on a cold start: not before it is needed

    conn = http.client.HTTPConnection(LOCAL_HOST, port, timeout=1)
    try:
        conn.request("GET", "/")
        conn.getresponse().read()
    except OSError:
        return False
    finally:
        conn.close()
    return True


class LocalServer:
    """Start and stop one supervised ``weed mini`` serving ``data_dir``."""

    def __init__(self, data_dir: Path, *, weed: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self._weed = weed
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock_fd: int | None = None
        self.info: LocalServerInfo | None = None

    def _acquire_lock(self) -> None:
        # Two servers on one data directory would corrupt it: the first owner wins.
        fd = os.open(self.data_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise ConfigError(
                "The local storage is already in use by another running copy of "
                "s3uploader; close it first."
            ) from None
        self._lock_fd = fd

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing releases the flock
            self._lock_fd = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 60.0) -> LocalServerInfo:
        """Start the server and wait until its S3 port answers."""
        if self.running and self.info is not None:
            return self.info
        weed = self._weed or find_weed()
        if weed is None:
            # The exact command: the extra's name, quoted for the shell, not a package
            # name a person must map to pip themselves.
            raise ServerNotInstalled(
                "The local storage server is not installed: install it with "
                'pip install "s3uploader-gui[server]", or use a profile for a remote store.'
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._acquire_lock()
        import secrets

        access_key = "local-" + secrets.token_hex(8)
        secret_key = secrets.token_urlsafe(30)
        s3_port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "S3_"))}
        env["AWS_ACCESS_KEY_ID"] = access_key
        env["AWS_SECRET_ACCESS_KEY"] = secret_key
        log_path = self.data_dir / "weed.log"
        with open(log_path, "wb") as log:
            self._proc = subprocess.Popen(
                [*supervisor_command(), "--", *_weed_args(weed, self.data_dir, s3_port)],
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                env=env,
                # Own session: Ctrl+C in a terminal reaches only the app, which stops us.
                start_new_session=True,
                # The supervisor holds the data-directory lock too, so the lock outlives
                # a crashed app until weed has really stopped.
                pass_fds=(self._lock_fd,) if self._lock_fd is not None else (),
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while not _answers_http(s3_port):
            if self._proc.poll() is not None:
                self._proc = None
                self._release_lock()
                raise EndpointUnreachable(
                    f"The local storage server stopped while starting; see {log_path}.",
                    host=f"{LOCAL_HOST}:{s3_port}",
                )
            if time.monotonic() > deadline:
                self.stop()
                raise EndpointUnreachable(
                    f"The local storage server did not start within {timeout:.0f} s; "
                    f"see {log_path}.",
                    host=f"{LOCAL_HOST}:{s3_port}",
                )
            time.sleep(0.05)
        self.info = LocalServerInfo(
            endpoint_url=f"http://{LOCAL_HOST}:{s3_port}",
            access_key_id=access_key,
            secret_access_key=secret_key,
            data_dir=self.data_dir,
            pid=self._proc.pid,
        )
        return self.info

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server and wait for it (and ``weed``) to exit."""
        proc, self._proc = self._proc, None
        self.info = None
        if proc is None:
            self._release_lock()
            return
        if proc.poll() is None:
            # Closing the pipe is the supervisor's stop signal; SIGTERM is the fallback.
            try:
                if proc.stdin is not None:
                    proc.stdin.close()
            except OSError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        elif proc.stdin is not None:
            proc.stdin.close()
        self._release_lock()

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
