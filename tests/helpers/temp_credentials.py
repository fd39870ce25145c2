"""Temporary credentials as real users get them: a token file saved with Windows line
endings, read into ``AWS_SESSION_TOKEN``, a ``~/.aws/credentials`` file or a
``credential_process`` of ``~/.aws/config`` (which may tell when they expire)."""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from pathlib import Path

#: A token file's last line as Windows editors save it.
CRLF = "\r\n"


def new_secret() -> str:
    """A fresh secret access key (40 characters, like AWS's)."""
    return (uuid.uuid4().hex + uuid.uuid4().hex)[:38] + "/k"


def new_token() -> str:
    """A fresh session token shaped like AWS's (base64 with '/', '+' and '=')."""
    return "IQoJb3JpZ2luX2VjE" + uuid.uuid4().hex + "/Tk+" + uuid.uuid4().hex + "=="


def token_file(folder: Path, token: str) -> Path:
    """The token saved by a Windows editor: it ends in CR LF."""
    path = folder / "token.txt"
    path.write_bytes((token + CRLF).encode())
    return path


def read_like_a_shell(path: Path) -> str:
    """What ``$(cat token.txt)`` gives: the LF goes, the CR stays."""
    return path.read_bytes().decode().rstrip("\n")


def credentials_file(folder: Path, access_key: str, secret: str, token: str) -> Path:
    """``~/.aws/credentials`` saved with Windows line endings."""
    path = folder / "credentials"
    lines = [
        "[default]",
        f"aws_access_key_id = {access_key}",
        f"aws_secret_access_key = {secret}",
        f"aws_session_token = {token}",
    ]
    path.write_bytes(CRLF.join([*lines, ""]).encode())
    return path


def credential_process_config(
    folder: Path,
    access_key: str,
    secret: str,
    token_path: Path,
    *,
    expires_in: dt.timedelta | None = None,
) -> Path:
    """``~/.aws/config`` whose default profile runs a ``credential_process`` that reads
    the token file as a shell would (keeping its CR) and, with ``expires_in``, says when
    the credentials expire."""
    expiration = ""
    if expires_in is not None:
        when = dt.datetime.now(dt.UTC) + expires_in
        expiration = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    script = folder / "credential_process.py"
    script.write_text(
        "import json, pathlib\n"
        f"token = pathlib.Path({str(token_path)!r}).read_bytes().decode().rstrip('\\n')\n"
        "out = {'Version': 1, "
        f"'AccessKeyId': {access_key!r}, 'SecretAccessKey': {secret!r}, 'SessionToken': token}}\n"
        f"if {expiration!r}:\n"
        f"    out['Expiration'] = {expiration!r}\n"
        "print(json.dumps(out))\n",
        encoding="utf-8",
    )
    config = folder / "config"
    config.write_text(
        f"[default]\nregion = us-east-1\ncredential_process = {sys.executable} {script}\n",
        encoding="utf-8",
    )
    return config
