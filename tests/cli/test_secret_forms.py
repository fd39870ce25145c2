"""A session token with a stray carriage return (a token file saved on Windows) never
shows, in any form, in what the app prints or in its log file.

botocore refuses to send such a header and its error text carries the whole token
(``Invalid header value b'…\\r'``); the sources are the ones users really have: the
token read into ``AWS_SESSION_TOKEN`` with ``$(cat token.txt)``, a ``credential_process``
that reads the file the same way, and ``~/.aws/credentials`` saved with CR LF.
"""

from __future__ import annotations

import json
import logging
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from s3uploader_gui.core.errors import AppError, user_message
from s3uploader_gui.core.logsetup import setup_logging
from tests.cli.conftest import Cli, base_env
from tests.conftest import unique_bucket
from tests.helpers.temp_credentials import (
    credential_process_config,
    credentials_file,
    new_secret,
    new_token,
    read_like_a_shell,
    token_file,
)

ACCESS_KEY = "ASIAEXAMPLETEMPORARY"
SOURCES = ["environment", "credential-process", "credentials-file"]


@dataclass
class TempCredentials:
    env: dict[str, str]
    secret: str
    token: str  # as the user's file holds it, without the CR

    def forms(self) -> list[str]:
        """The secret and token as text could carry them: raw, with the CR, escaped."""
        found: list[str] = []
        for value in (self.secret, self.token, self.token + "\r"):
            found += [
                value,
                repr(value)[1:-1],
                repr(value.encode())[2:-1],
                json.dumps(value)[1:-1],
                quote(value, safe=""),
                quote_plus(value),
            ]
        return found

    def assert_absent(self, text: str, where: str) -> None:
        for form in self.forms():
            assert form not in text, f"{form!r} is in {where}"


def temp_credentials(source: str, folder: Path, endpoint: str) -> TempCredentials:
    secret, token = new_secret(), new_token()
    env = {"AWS_ENDPOINT_URL_S3": endpoint, "AWS_DEFAULT_REGION": "us-east-1"}
    drop = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
    if source == "environment":
        env |= {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_SESSION_TOKEN": read_like_a_shell(token_file(folder, token)),
        }
    elif source == "credential-process":
        config = credential_process_config(folder, ACCESS_KEY, secret, token_file(folder, token))
        env |= drop | {"AWS_CONFIG_FILE": str(config)}
    else:
        path = credentials_file(folder, ACCESS_KEY, secret, token)
        env |= drop | {"AWS_SHARED_CREDENTIALS_FILE": str(path)}
    return TempCredentials(env, secret, token)


@pytest.fixture(params=SOURCES)
def creds(request: pytest.FixtureRequest, tmp_path: Path, moto_server: str) -> TempCredentials:
    return temp_credentials(str(request.param), tmp_path, moto_server)


def _apply(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in env.items():
        if value:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)


def test_the_command_never_prints_the_token(creds: TempCredentials, moto_server: str) -> None:
    env = base_env(**{k: v for k, v in creds.env.items() if v})
    for name, value in creds.env.items():
        if not value:
            env.pop(name, None)
    cli = Cli(env)
    for args in (["ls", f"s3://{unique_bucket('missing')}/"], ["--json", "ls"]):
        run = cli(*args)
        creds.assert_absent(run.stdout + run.stderr, f"the output of {args}")
        if creds.env.get("AWS_SHARED_CREDENTIALS_FILE"):
            continue  # botocore strips the CR from ~/.aws files: the requests succeed
        assert run.code == 2, run.stderr
        assert "line break" in run.stderr, run.stderr


@pytest.fixture
def app_log(user_dirs: Path) -> Iterator[Path]:
    """The app's log file as the window sets it up (verbose); handlers removed after."""
    root = logging.getLogger()
    level = root.level
    path = setup_logging(verbose=True, stderr=False)
    try:
        yield path
    finally:
        for handler in list(root.handlers):
            if getattr(handler, "_s3uploader", False):
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)


def test_the_log_file_never_holds_the_token(
    creds: TempCredentials,
    moto_server: str,
    monkeypatch: pytest.MonkeyPatch,
    app_log: Path,
) -> None:
    from s3uploader_gui.core.operations.connect import open_connection
    from s3uploader_gui.core.s3.listing import list_page

    _apply(creds.env, monkeypatch)
    log = logging.getLogger("s3uploader_gui.test_secret_forms")
    connection = open_connection(None)
    try:
        with pytest.raises(AppError) as info:
            list_page(connection.context.client, unique_bucket("missing"), "")
        frozen = connection.context.session.get_credentials().get_frozen_credentials()
    finally:
        connection.close()
    err = info.value
    creds.assert_absent(user_message(err), "the message shown")
    # What the worker pool logs, the traceback of the library's own error, and a library
    # that logs what it was given: the filter scrubs them all.
    log.info("list failed: %s", err)
    log.error("the request failed", exc_info=err)
    log.warning("library text: %s / %r / %s", err.__cause__, frozen.token, frozen.secret_key)
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = app_log.read_text(encoding="utf-8")
    assert "the request failed" in text and "library text" in text
    creds.assert_absent(text, str(app_log))
    assert stat.S_IMODE(app_log.stat().st_mode) == 0o600


def test_refreshed_credentials_are_registered_too(
    tmp_path: Path, moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A credential_process whose credentials are about to expire is run again at each
    use; the new token it hands out is known to the redaction as soon as boto3 has it."""
    import datetime as dt

    from s3uploader_gui.core.operations.connect import open_connection
    from s3uploader_gui.core.redaction import redact

    first, second = new_token(), new_token()
    token_path = token_file(tmp_path, first)
    config = credential_process_config(
        tmp_path, ACCESS_KEY, new_secret(), token_path, expires_in=dt.timedelta(minutes=5)
    )
    _apply({"AWS_CONFIG_FILE": str(config), "AWS_ENDPOINT_URL_S3": moto_server}, monkeypatch)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    connection = open_connection(None)
    try:
        assert redact(first) == "***"
        token_path.write_bytes((second + "\r\n").encode())
        # Inside botocore's ten-minute window: this use runs the process again.
        frozen = connection.context.session.get_credentials().get_frozen_credentials()
    finally:
        connection.close()
    assert frozen.token == second + "\r"
    assert redact(f"b'{second}\\r'") == "b'***'"
