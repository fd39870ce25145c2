"""What one run of ``weed mini`` is told: its options, its security configuration, its
environment and a private data folder.

Everything here exists because ``weed mini``'s defaults are open to every local account
and every web page: master, volume and filer HTTP ports without authentication and with
``Access-Control-Allow-Origin: *``, world-readable files, and every port on its command
line. See ``README.md`` ("What protects local storage").
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

from s3uploader_gui.core.errors import ConfigError
from s3uploader_gui.core.files import atomic_write
from s3uploader_gui.core.local.info import LOCAL_HOST
from s3uploader_gui.core.local.supervisor import remove_dead_sockets

#: The components weed listens for, each with an HTTP (or S3) port and a gRPC port.
COMPONENTS = ("s3", "master", "volume", "filer", "admin")
#: weed reads ``security.toml`` from its working directory first (then ~/.seaweedfs, /etc).
SECURITY_FILE = "security.toml"
#: Our options file, passed as ``-options=``: ports stay off the command line (``ps``).
OPTIONS_FILE = "weed.options"
#: An origin no web page can have (``.invalid`` never resolves, RFC 2606): weed's CORS
#: settings need at least one entry, and an empty one means "*".
NO_ORIGIN = "https://no-web-page.invalid"
#: Flags before ``mini``: glog would also write every line into files in /tmp
#: (``weed.HOST.USER.log.INFO.DATE.PID``, three per run, never removed); our log already
#: has everything from standard error.
GLOBAL_FLAGS = ("-logtostderr=true",)
#: weed's HTTP unix sockets (S3 gateway and filer) default to /tmp/seaweedfs-<name>-<port>
#: .sock, and the S3 one stays there after every run. Relative paths put them in the data
#: folder (weed's working directory): private, and short enough for a socket address
#: (108 bytes) whatever the folder's path.
HTTP_SOCKETS = {"s3.localSocket": "s3.sock", "filer.localSocket": "filer.sock"}
#: weed 4.48 hard-codes /tmp/seaweedfs-<name>-grpc-<port>.sock for its gRPC servers' unix
#: sockets (no flag; TMPDIR is not read). They demand this run's client certificate like
#: the TCP ports, and only the user may connect to them (umask 077). weed removes them when
#: it stops cleanly; after a SIGKILL the supervisor, or else the next start, removes what
#: is left (``SOCKETS_FILE``).
GRPC_SOCKET = "/tmp/seaweedfs-{name}-grpc-{port}.sock"
GRPC_SOCKET_COMPONENTS = ("master", "volume", "filer", "s3", "admin")
#: The unix socket paths of the current (or last) run, one a line: what to remove after it.
SOCKETS_FILE = "weed.sockets"

#: Environment variables weed may see. weed's flag parser reads any variable named like a
#: flag (``DEBUG`` turns on a pprof server, ``IP``/``DIR``/``S3_PORT`` override our options
#: file) and viper reads ``WEED_*`` over security.toml: only this allowlist passes. The
#: ``PYTHON*``/``_PYI*``/``_MEI*``/``LD_LIBRARY_PATH*`` entries are for the supervisor
#: (a venv or a PyInstaller bundle) that runs between the app and weed; no weed flag has
#: such a name.
_ENV_NAMES = frozenset({"PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "VIRTUAL_ENV"})
_ENV_PREFIXES = ("LC_", "PYTHON", "_PYI", "_MEI", "LD_LIBRARY_PATH")


def weed_options(data_dir: Path, ports: Mapping[str, int]) -> dict[str, str]:
    """The options of one run, by flag name (without the dash)."""
    options = {
        # Loopback only, no telemetry to a remote URL, no extra services.
        "ip": LOCAL_HOST,
        "ip.bind": LOCAL_HOST,
        "master.telemetry": "false",
        "webdav": "false",
        "admin.ui": "false",
        "s3.port.iceberg": "0",
        "s3.port.lance": "0",
        # S3 semantics: never delete a bucket that still holds objects.
        "s3.allowDeleteBucketNotEmpty": "false",
        # The master's /dir/assign and /dir/lookup hand a volume write (or read) JWT to
        # anyone who asks, and the filer's HTTP API is not needed by the S3 gateway: serve
        # neither (master and filer keep gRPC; the volume server is guarded by the JWTs).
        "disableHttp": "true",
        # No web page may read an answer (the flags win over security.toml's [cors]).
        "s3.allowedOrigins": NO_ORIGIN,
        "filer.allowedOrigins": NO_ORIGIN,
        **HTTP_SOCKETS,
    }
    for name in COMPONENTS:
        options[f"{name}.port"] = str(ports[name])
        options[f"{name}.port.grpc"] = str(ports[f"{name}.grpc"])
    return options


def security_toml(grpc_tls: str = "") -> str:
    """A fresh security configuration: random JWT keys for the volume server's writes and
    reads and the filer's, so those HTTP ports refuse requests without a token that only
    this weed can sign; no CORS origin; and ``grpc_tls``, the ``[grpc]`` sections that
    make every gRPC port demand this run's client certificates (``weedtls``)."""
    sections = ["jwt.signing", "jwt.signing.read", "jwt.filer_signing", "jwt.filer_signing.read"]
    lines = ["# Written by s3uploader for one run of weed; new keys on every start.", ""]
    for section in sections:
        lines += [f"[{section}]", f'key = "{secrets.token_hex(32)}"', ""]
    lines += ["[cors.allowed_origins]", f'values = "{NO_ORIGIN}"', ""]
    return "\n".join(lines) + grpc_tls


def write_run_config(data_dir: Path, ports: Mapping[str, int]) -> Path:
    """Write this run's security configuration (with fresh gRPC certificates) and options
    file (0600) into ``data_dir``; return the options file's path."""
    from s3uploader_gui.core.local import weedtls  # loads cryptography: only when starting

    grpc_tls = weedtls.write_grpc_tls(data_dir)
    atomic_write(data_dir / SECURITY_FILE, security_toml(grpc_tls).encode(), mode=0o600)
    listed = b"".join(os.fsencode(path) + b"\n" for path in socket_paths(ports))
    atomic_write(data_dir / SOCKETS_FILE, listed, mode=0o600)
    options = weed_options(data_dir, ports)
    text = "".join(f"{name}={value}\n" for name, value in options.items())
    path = data_dir / OPTIONS_FILE
    atomic_write(path, text.encode(), mode=0o600)
    return path


def weed_command(weed: str, data_dir: Path, options_file: Path) -> list[str]:
    """weed's argv. ``-dir`` stays: it names no secret, and it is how a stale weed serving
    this folder is recognised (``stale.py``); everything else is in the options file."""
    return [weed, *GLOBAL_FLAGS, "mini", f"-dir={data_dir}", f"-options={options_file}"]


def socket_paths(ports: Mapping[str, int]) -> list[str]:
    """The unix sockets a run with ``ports`` makes: relative ones in the data folder."""
    grpc = [
        GRPC_SOCKET.format(name=name, port=ports[f"{name}.grpc"]) for name in GRPC_SOCKET_COMPONENTS
    ]
    return [*HTTP_SOCKETS.values(), *grpc]


def remove_previous_sockets(data_dir: Path) -> None:
    """Remove the sockets an earlier run left behind (its weed was SIGKILLed with its
    supervisor), as listed in its ``SOCKETS_FILE``. Only dead sockets of our own user go."""
    try:
        listed = (data_dir / SOCKETS_FILE).read_bytes()
    except OSError:
        return
    paths = [os.fsdecode(line) for line in listed.splitlines() if line]
    remove_dead_sockets(os.path.join(data_dir, path) for path in paths)


def weed_environment(
    environ: Mapping[str, str], access_key: str, secret_key: str
) -> dict[str, str]:
    """The environment for the supervisor and weed: the allowlist, plus the S3 keys (only
    the user can read a process's environment; the command line is for everyone)."""
    env = {
        name: value
        for name, value in environ.items()
        if name in _ENV_NAMES or name.startswith(_ENV_PREFIXES)
    }
    env["AWS_ACCESS_KEY_ID"] = access_key
    env["AWS_SECRET_ACCESS_KEY"] = secret_key
    return env


def prepare_data_dir(data_dir: Path) -> None:
    """Create ``data_dir`` private (0700), or make an existing one private.

    Folders made by earlier versions are 0755 with 0644 files inside (and a weed they left
    behind may still be writing such files): everything inside is tightened on every start,
    a walk over a few hundred entries. Raises ``ConfigError`` when the folder belongs to
    another user.
    """
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        data_dir.mkdir(mode=0o700)
    info = data_dir.stat()  # follows a symlink: what weed will use
    if not stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"The local storage folder {data_dir} is not a folder.")
    if info.st_uid != os.geteuid():
        raise ConfigError(
            f"The local storage folder {data_dir} belongs to another user; it must be your own."
        )
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(data_dir, 0o700)
    _tighten(data_dir)


def _tighten(root: Path) -> None:
    """Take group and other permissions off everything under ``root`` (not following
    symlinks)."""
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = os.path.join(folder, name)
            try:
                mode = os.lstat(path).st_mode
                if not stat.S_ISLNK(mode) and stat.S_IMODE(mode) & 0o077:
                    os.chmod(path, stat.S_IMODE(mode) & 0o700)
            except OSError:
                pass  # vanished or not ours: the 0700 folder still keeps others out
