"""check_connection when ListBuckets is denied, and with AWS profiles (SSO)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from s3uploader_gui.core.aws_config import check_credentials
from s3uploader_gui.core.connection_check import check_connection
from s3uploader_gui.core.errors import AccessDenied, BucketNotFound, CredentialsExpired
from s3uploader_gui.core.s3.client import make_client
from s3uploader_gui.core.s3.settings import ConnectionSettings

SETTINGS = ConnectionSettings(
    endpoint_url="http://127.0.0.1:9",
    region="us-east-1",
    access_key_id="AKIAEXAMPLE",
    secret_access_key="example-secret",
)


@pytest.fixture
def stubbed() -> Any:
    client = make_client(SETTINGS)
    with Stubber(client) as stub:
        stub.add_client_error("list_buckets", "AccessDenied", "Access Denied", 403)
        yield client, stub


def test_denied_listing_asks_for_a_bucket(stubbed: Any) -> None:
    client, stub = stubbed
    result = check_connection(SETTINGS, client=client)
    assert not result.ok
    assert result.needs_bucket
    assert isinstance(result.error, AccessDenied)
    assert "enter the name of a bucket" in result.message
    stub.assert_no_pending_responses()


def test_denied_listing_then_the_named_bucket_works(stubbed: Any) -> None:
    client, stub = stubbed
    stub.add_response("list_objects_v2", {"KeyCount": 0}, {"Bucket": "team", "MaxKeys": 1})
    result = check_connection(SETTINGS, client=client, bucket="team")
    assert result.ok, result.message
    assert (result.bucket, result.can_list_bucket, result.bucket_count) == ("team", True, None)
    assert "bucket “team” works" in result.message


def test_bucket_that_may_not_be_listed_but_exists(stubbed: Any) -> None:
    client, stub = stubbed
    stub.add_client_error("list_objects_v2", "AccessDenied", "Access Denied", 403)
    stub.add_response("head_bucket", {}, {"Bucket": "team"})
    result = check_connection(SETTINGS, client=client, bucket="team")
    assert result.ok
    assert result.can_list_bucket is False
    assert "may not list its objects" in result.message


def test_named_bucket_missing_or_denied(stubbed: Any) -> None:
    client, stub = stubbed
    stub.add_client_error("list_objects_v2", "NoSuchBucket", "nope", 404)
    result = check_connection(SETTINGS, client=client, bucket="gone")
    assert not result.ok
    assert isinstance(result.error, BucketNotFound)
    assert result.message == "The bucket “gone” does not exist."

    stub.add_client_error("list_buckets", "AccessDenied", "Access Denied", 403)
    stub.add_client_error("list_objects_v2", "AccessDenied", "Access Denied", 403)
    stub.add_client_error("head_bucket", "403", "Forbidden", 403)
    result = check_connection(SETTINGS, client=client, bucket="theirs")
    assert not result.ok
    assert "Access denied to bucket “theirs”" in result.message


def _aws_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    config = tmp_path / "aws-config"
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("HOME", str(tmp_path))  # no SSO token cache from the real home
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    "section",
    [
        # Legacy SSO profile: no cached token.
        "[profile corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"
        "sso_account_id = 111122223333\nsso_role_name = Dev\nregion = eu-west-1\n",
        # sso-session profile: no cached token.
        "[profile corp]\nsso_session = corp\nsso_account_id = 111122223333\n"
        "sso_role_name = Dev\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = us-east-1\n",
    ],
    ids=["legacy", "sso-session"],
)
def test_expired_sso_says_how_to_log_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, section: str
) -> None:
    _aws_config(tmp_path, monkeypatch, section)
    expected = (
        "The AWS SSO session of profile “corp” is missing or has expired: run "
        "“aws sso login --profile corp” and try again."
    )
    with pytest.raises(CredentialsExpired) as info:
        check_credentials(boto3.session.Session(profile_name="corp"), "corp")
    assert info.value.message == expected
    result = check_connection(ConnectionSettings(aws_profile="corp"))
    assert not result.ok
    assert result.message == expected


def test_aws_profile_with_static_keys_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    creds = tmp_path / "aws-credentials"
    creds.write_text(
        "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = devsecret\n", encoding="utf-8"
    )
    _aws_config(tmp_path, monkeypatch, "[profile dev]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    assert check_credentials(boto3.session.Session(profile_name="dev"), "dev") is False
