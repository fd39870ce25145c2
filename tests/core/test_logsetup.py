"""The log file: rotated by size, secrets scrubbed in the rotated files too."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from s3uploader_gui.core.logsetup import RedactingFormatter, SizeRotatingFileHandler


def _logger(handler: logging.Handler) -> logging.Logger:
    log = logging.getLogger("test-logsetup-rotation")
    log.propagate = False
    log.setLevel(logging.INFO)
    for old in list(log.handlers):
        log.removeHandler(old)
    log.addHandler(handler)
    return log


def test_the_log_moves_aside_when_full_and_keeps_a_bounded_number_of_files(
    tmp_path: Path,
) -> None:
    path = tmp_path / "app.log"
    handler = SizeRotatingFileHandler(path, max_bytes=1000, backups=2)
    handler.setFormatter(RedactingFormatter("%(message)s"))
    log = _logger(handler)
    try:
        for i in range(100):  # ~5,000 bytes: four rotations
            log.info("line %03d %s", i, "x" * 40)
    finally:
        handler.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["app.log", "app.log.1", "app.log.2"]
    for p in tmp_path.iterdir():
        # A file passes the limit by at most one record before it is moved aside.
        assert p.stat().st_size < 1000 + 60
    newest = path.read_text().splitlines()
    assert newest[-1].startswith("line 099")
    # Nothing lost between the current file and the first backup: lines run on.
    previous = (tmp_path / "app.log.1").read_text().splitlines()
    assert int(previous[-1].split()[1]) + 1 == int(newest[0].split()[1])


def test_no_backups_means_the_file_starts_again(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    handler = SizeRotatingFileHandler(path, max_bytes=200, backups=0)
    log = _logger(handler)
    try:
        for i in range(20):
            log.info("line %03d %s", i, "y" * 30)
    finally:
        handler.close()
    assert [p.name for p in tmp_path.iterdir()] == ["app.log"]
    assert path.stat().st_size < 200 + 60
    assert path.read_text().splitlines()[-1].startswith("line 019")


# -- secrets in every form -------------------------------------------------------------
def _token() -> str:
    import uuid

    # Shaped like an AWS session token: base64 with '/', '+' and '='.
    return f"FwoGZX{uuid.uuid4().hex}/Ab+Cd{uuid.uuid4().hex}=="


def _forms(secret: str) -> list[str]:
    import json
    from urllib.parse import quote, quote_plus

    stripped = secret.strip()
    return [
        secret,
        stripped,
        repr(secret)[1:-1],
        repr(secret.encode())[2:-1],
        json.dumps(secret)[1:-1],
        quote(secret, safe=""),
        quote_plus(secret),
        quote(stripped, safe=""),
    ]


def test_a_secret_is_redacted_in_its_escaped_and_stripped_forms() -> None:
    from s3uploader_gui.core.logsetup import redact, register_secret

    token = _token() + "\r"
    register_secret(token)
    for form in _forms(token):
        text = redact(f"header value b'{form}' was refused")
        assert token.strip() not in text, form
        assert form not in text, form
        assert "***" in text


def test_secrets_from_the_environment_are_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    from s3uploader_gui.core.logsetup import redact, register_environment_secrets

    secret, token = _token(), _token() + "\r"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_SESSION_TOKEN", token)
    register_environment_secrets()
    text = redact(f"{secret} {token!r} {token.strip()}")
    assert secret not in text
    assert token.strip() not in text


def test_setup_logging_registers_the_environment_and_writes_a_private_log(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from s3uploader_gui.core.logsetup import setup_logging

    token = _token() + "\r"
    monkeypatch.setenv("AWS_SESSION_TOKEN", token)
    root = logging.getLogger()
    level = root.level
    path = setup_logging(stderr=False)
    try:
        logging.getLogger("s3uploader_gui.test").error("refused: %r", token)
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in list(root.handlers):
            if getattr(handler, "_s3uploader", False):
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)
    text = path.read_text()
    assert "refused" in text
    assert token.strip() not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_the_log_and_its_rotated_copies_are_private(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("an old log, once world-readable\n")
    path.chmod(0o644)
    handler = SizeRotatingFileHandler(path, max_bytes=300, backups=2)
    log = _logger(handler)
    try:
        for i in range(30):
            log.info("line %03d %s", i, "z" * 30)
    finally:
        handler.close()
    files = sorted(tmp_path.iterdir())
    assert [p.name for p in files] == ["app.log", "app.log.1", "app.log.2"]
    for p in files:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
