"""The embedded local S3 server: SeaweedFS (``weed mini``) on 127.0.0.1, private to its user.

``weed`` runs under a small supervisor process that holds the read end of a pipe from
this process. When this process ends in any way (quit, Ctrl+C, crash, SIGKILL) the pipe
closes and the supervisor stops ``weed``; if the supervisor itself is killed, the kernel
stops ``weed`` (``PR_SET_PDEATHSIG``); a stale ``weed`` still serving the folder is stopped
before the next start. Each run gets a fresh random access key and secret (passed to
``weed`` through its environment only), fresh JWT keys (a 0600 ``security.toml``) that
close weed's other HTTP ports, and a fresh private CA whose certificates weed's gRPC ports
demand (``weedtls``); the data folder is 0700 and weed runs with umask 077 (``weedconf``).
"""

from __future__ import annotations

import contextlib
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
from s3uploader_gui.core.local import stale, weedconf
from s3uploader_gui.core.local.info import DEFAULT_BUCKET as DEFAULT_BUCKET  # re-exported
from s3uploader_gui.core.local.info import LOCAL_HOST, LocalServerInfo
from s3uploader_gui.core.local.supervisor import SUPERVISOR_FLAG

LOG_FILE = "weed.log"
#: The previous run's log, kept for diagnosis (a crash is explained there).
PREVIOUS_LOG_FILE = "weed.previous.log"


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


#: How much nicer than the app its local server runs (Unix nice steps). On two cores the
#: server, busy with an upload or a listing, otherwise makes the window wait for a core
#: (bench_gui's upload and browse phases use this server).
SERVER_NICE = 5


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


def _weed_ports() -> dict[str, int]:
    names = weedconf.COMPONENTS
    return {**{n: free_port() for n in names}, **{f"{n}.grpc": free_port() for n in names}}


def _weed_args(
    weed: str, data_dir: Path, s3_port: int, ports: dict[str, int] | None = None
) -> list[str]:
    """The whole option set on one command line, for a ``weed`` run without the supervisor
    (tests that kill and restart weed on the same S3 port). The app itself uses
    ``weedconf.weed_command`` and an options file."""
    ports = {**(ports or _weed_ports()), "s3": s3_port}
    options = weedconf.weed_options(data_dir, ports)
    flags = (f"-{k}={v}" for k, v in options.items())
    return [weed, *weedconf.GLOBAL_FLAGS, "mini", f"-dir={data_dir}", *flags]


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
        # Absolute: weed's ``-dir=`` is how a stale weed serving this folder is recognised.
        self.data_dir = Path(os.path.abspath(data_dir))
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

    def _open_log(self) -> int:
        """A fresh 0600 log; the previous run's is kept as ``weed.previous.log``."""
        log_path = self.data_dir / LOG_FILE
        with contextlib.suppress(FileNotFoundError):
            os.replace(log_path, self.data_dir / PREVIOUS_LOG_FILE)
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        return fd

    def _stop_stale(self) -> None:
        try:
            stale.stop_stale_weeds(self.data_dir)
        except (OSError, TimeoutError) as exc:
            raise ConfigError(
                "An old local storage server still holds the local storage and could not "
                f"be stopped ({exc}); stop the “weed” process and try again."
            ) from None

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
        # A weed left behind would keep SeaweedFS's own locks: stop it first (only ours,
        # only one serving this folder without a live supervisor; see stale.py).
        self._stop_stale()
        try:
            weedconf.prepare_data_dir(self.data_dir)
        except OSError as exc:
            raise ConfigError(
                f"The local storage folder {self.data_dir} cannot be used: {exc.strerror}."
            ) from None
        self._acquire_lock()
        try:
            return self._start_locked(weed, timeout)
        except BaseException:
            if self._proc is None:
                self._release_lock()
            raise

    def _start_locked(self, weed: str, timeout: float) -> LocalServerInfo:
        import secrets

        access_key = "local-" + secrets.token_hex(8)
        secret_key = secrets.token_urlsafe(30)
        ports = _weed_ports()
        s3_port = ports["s3"]
        # What a weed killed with its supervisor left in /tmp: this run's list replaces it.
        weedconf.remove_previous_sockets(self.data_dir)
        try:
            options_file = weedconf.write_run_config(self.data_dir, ports)
        except ImportError:
            raise ConfigError(
                "The local storage server needs the “cryptography” package for its private "
                "certificates: install s3uploader-gui with the “server” extra."
            ) from None
        except OSError as exc:
            raise ConfigError(
                f"The local storage folder {self.data_dir} cannot be used: {exc.strerror}."
            ) from None
        env = weedconf.weed_environment(os.environ, access_key, secret_key)
        log_path = self.data_dir / LOG_FILE
        log_fd = self._open_log()
        assert self._lock_fd is not None
        try:
            command = [
                *supervisor_command(),
                # weed holds the lock too: it stays taken until weed has really stopped.
                *("--pass-fd", str(self._lock_fd)),
                # The supervisor removes the sockets a SIGKILLed weed leaves behind.
                *("--remove-sockets", str(self.data_dir / weedconf.SOCKETS_FILE)),
                # The window's thread runs before the app's own server when both want a
                # core: the server still gets every core the window leaves idle.
                *("--nice", str(SERVER_NICE)),
                "--",
                *weedconf.weed_command(weed, self.data_dir, options_file),
            ]
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=log_fd,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,  # weed reads ./security.toml
                env=env,
                # Everything weed writes (volumes, its log, mini.options) is the user's only.
                umask=0o077,
                # Own session: Ctrl+C in a terminal reaches only the app, which stops us.
                start_new_session=True,
                # The supervisor holds the data-directory lock too, so the lock outlives
                # a crashed app until weed has really stopped.
                pass_fds=(self._lock_fd,),
            )
        finally:
            os.close(log_fd)
        deadline = time.monotonic() + timeout
        while not _answers_http(s3_port):
            if self._proc.poll() is not None:
                proc, self._proc = self._proc, None
                if proc.stdin is not None:
                    proc.stdin.close()
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
            ports=ports,
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
