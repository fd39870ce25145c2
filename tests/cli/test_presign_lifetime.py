"""``s3uploader presign`` tells when the link really stops working, as the share dialog
does: temporary credentials end a link before the expiry asked for.

The credentials come from a ``credential_process`` of ``~/.aws/config`` that says they
expire in an hour, from ``AWS_SESSION_TOKEN`` (temporary, end unknown) and from plain
keys; the server is moto's (it accepts any session token).
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from s3uploader_gui.cli import main
from s3uploader_gui.core.s3.client import S3Context
from tests.conftest import unique_bucket
from tests.helpers.temp_credentials import (
    credential_process_config,
    new_secret,
    new_token,
    token_file,
)

WEEK = 7 * 24 * 3600
BODY = b"shared for a while"


@pytest.fixture
def shared_object(moto_context: S3Context) -> str:
    bucket = unique_bucket("links")
    moto_context.client.create_bucket(Bucket=bucket)
    moto_context.client.put_object(Bucket=bucket, Key="report.txt", Body=BODY)
    return f"s3://{bucket}/report.txt"


def _presign(capsys: pytest.CaptureFixture[str], url: str, *extra: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*extra, "presign", url, "--expires", str(WEEK)])
    out, err = capsys.readouterr()
    return code, out, err


def _local(when: dt.datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M %Z")


def test_temporary_credentials_that_expire_in_an_hour_end_the_link_then(
    tmp_path: Path,
    moto_server: str,
    shared_object: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    token = new_token()
    config = credential_process_config(
        tmp_path,
        "ASIAEXAMPLETEMPORARY",
        new_secret(),
        token_file(tmp_path, token),
        expires_in=dt.timedelta(hours=1),
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_server)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    in_an_hour = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)

    code, out, err = _presign(capsys, shared_object)
    assert code == 0, err
    link = out.strip()
    assert parse_qs(urlsplit(link).query)["X-Amz-Expires"] == [str(WEEK)]
    with urllib.request.urlopen(link, timeout=10) as answer:
        assert answer.read() == BODY
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "This link stops working at" in lines[0]
    assert "when the temporary credentials expire" in lines[0]

    code, out, err = _presign(capsys, shared_object, "--json")
    assert code == 0, err
    record = json.loads(out)
    assert record["expires"] == WEEK
    assert record["temporary_credentials"] is True
    expires_at = dt.datetime.fromisoformat(record["expires_at"])
    assert abs((expires_at - in_an_hour).total_seconds()) < 120
    assert f"at {_local(expires_at)}, when" in err


def test_a_session_token_of_unknown_lifetime_is_said_to_end_the_link_maybe_earlier(
    moto_server: str,
    shared_object: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", new_token())
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_server)
    code, out, err = _presign(capsys, shared_object, "--json")
    assert code == 0, err
    record = json.loads(out)
    assert record["temporary_credentials"] is True
    assert record["expires_at"] is None  # not known: nothing is promised
    assert "temporary" in err and "may stop working before" in err


def test_plain_keys_keep_the_expiry_asked_for_and_say_nothing(
    moto_server: str,
    shared_object: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_server)
    in_a_week = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=WEEK)
    code, out, err = _presign(capsys, shared_object, "--json")
    assert code == 0, err
    assert err == ""
    record = json.loads(out)
    assert record["temporary_credentials"] is False
    expires_at = dt.datetime.fromisoformat(record["expires_at"])
    assert abs((expires_at - in_a_week).total_seconds()) < 120
