"""The benchmark's own SeaweedFS: one ``weed mini`` serving S3 over plain HTTP and, on a
second port, over HTTPS with a certificate the benchmark made (``_tls``).

Started with the app's own hardened options (``core.local.weedconf``: loopback only, no
telemetry, closed internal ports, random keys), plus the TLS files, and allowed to
delete a bucket that still holds objects (how the benchmark frees the disk after each
workload).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from benchmarks._tls import TlsFiles, make_tls_files


def _answers(url: str, ca_file: str) -> bool:
    import ssl

    context = ssl.create_default_context(cafile=ca_file)
    try:
        urllib.request.urlopen(url, timeout=2, context=context).close()
    except urllib.error.HTTPError:
        return True  # 403 without credentials: it is up
    except OSError:
        return False
    return True


@dataclass
class WeedTls:
    http_url: str
    https_url: str
    access_key_id: str
    secret_access_key: str
    tls: TlsFiles
    proc: subprocess.Popen[bytes]
    data_dir: Path

    def endpoint(self, transport: str) -> str:
        return self.https_url if transport == "https" else self.http_url

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        from s3uploader_gui.core.local import weedconf

        # weed leaves its gRPC sockets in /tmp (the app's supervisor removes them; this
        # weed has none): the listed ones, dead now, go.
        weedconf.remove_previous_sockets(self.data_dir)


def start_weed(root: Path, weed: str, timeout: float = 60.0) -> WeedTls:
    """Start weed in ``root/weed`` with TLS files in ``root/tls``; wait until both ports answer."""
    from s3uploader_gui.core.local import weedconf
    from s3uploader_gui.core.local.server import _weed_ports, free_port

    tls = make_tls_files(root / "tls")
    data = root / "weed"
    weedconf.prepare_data_dir(data)
    ports = _weed_ports()
    weedconf.write_run_config(data, ports)  # security.toml (and an options file we replace)
    https_port = free_port()
    options = weedconf.weed_options(data, ports)
    options.update(
        {
            "s3.cert.file": str(tls.server_cert),
            "s3.key.file": str(tls.server_key),
            "s3.port.https": str(https_port),
            # Each workload's bucket is deleted whole afterwards: that frees the disk.
            "s3.allowDeleteBucketNotEmpty": "true",
        }
    )
    options_file = data / weedconf.OPTIONS_FILE
    options_file.write_text("".join(f"{k}={v}\n" for k, v in options.items()))
    key, secret = "bench-" + secrets.token_hex(6), secrets.token_urlsafe(24)
    env = weedconf.weed_environment(os.environ, key, secret)
    log = open(data / "weed.log", "wb")  # noqa: SIM115 - weed writes it while it runs
    proc = subprocess.Popen(
        weedconf.weed_command(weed, data, options_file),
        cwd=data,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        umask=0o077,
        start_new_session=True,
    )
    log.close()
    server = WeedTls(
        f"http://127.0.0.1:{ports['s3']}",
        f"https://127.0.0.1:{https_port}",
        key,
        secret,
        tls,
        proc,
        data,
    )
    deadline = time.monotonic() + timeout
    for url in (server.http_url, server.https_url):
        while not _answers(url + "/", str(tls.ca_cert)):
            if proc.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"weed did not start; see {data / 'weed.log'}")
            time.sleep(0.05)  # polling a port that is not up yet, bounded by the deadline
    return server
