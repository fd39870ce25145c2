"""The ~/.aws profiles the dialog offers: names and kinds, never key values."""

from __future__ import annotations

from pathlib import Path

import pytest

from s3uploader_gui.core.aws_config import AwsProfileKind, list_profiles

CONFIG = """
[default]
region = us-east-1
[profile corp-sso]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Dev
region = eu-west-1
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
[profile legacy-sso]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_account_id = 1
sso_role_name = R
[profile admin]
role_arn = arn:aws:iam::111122223333:role/Admin
source_profile = default
[profile vault]
credential_process = /usr/bin/vault-creds
"""

CREDENTIALS = """
[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = default-secret-value
[keys-only]
aws_access_key_id = AKIAKEYS
aws_secret_access_key = keys-secret-value
"""


def test_lists_every_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "credentials").write_text(CREDENTIALS, encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    profiles = list_profiles()
    kinds = {p.name: p.kind for p in profiles}
    assert kinds == {
        "default": AwsProfileKind.KEYS,
        "corp-sso": AwsProfileKind.SSO,
        "legacy-sso": AwsProfileKind.SSO,
        "admin": AwsProfileKind.ASSUME_ROLE,
        "vault": AwsProfileKind.PROCESS,
        "keys-only": AwsProfileKind.KEYS,
    }
    assert profiles[0].name == "default"
    corp = next(p for p in profiles if p.name == "corp-sso")
    assert corp.label == "corp-sso (SSO, eu-west-1)"
    text = repr(profiles)
    assert "secret-value" not in text and "AKIA" not in text


def test_no_files_no_profiles() -> None:
    assert list_profiles() == []  # conftest points AWS_CONFIG_FILE at a missing file
