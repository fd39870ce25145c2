"""The environment's answer (``core.s3.env_config``) is botocore's answer, case by case:
the same keys, region, endpoint, CA bundle and endpoint variants as a botocore session
built for the same settings; and where it cannot be sure (a shared file, a chosen profile,
refreshable or partial keys) it gives none, so that botocore decides.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from s3uploader_gui.core.s3.client import S3Context, configured_endpoint_url, make_core_session
from s3uploader_gui.core.s3.env_config import EnvironmentConfig, environment_config
from s3uploader_gui.core.s3.settings import ConnectionSettings

KEYS = {"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret"}
EXPLICIT = {"access_key_id": "AKIDSAVED", "secret_access_key": "saved-secret"}

#: (id, environment, ConnectionSettings arguments): botocore answers with no shared file.
SUPPORTED: list[tuple[str, dict[str, str], dict[str, Any]]] = [
    ("keys", KEYS, {}),
    ("token", {**KEYS, "AWS_SESSION_TOKEN": "tok"}, {}),
    ("security-token-first", {**KEYS, "AWS_SECURITY_TOKEN": "a", "AWS_SESSION_TOKEN": "b"}, {}),
    ("empty-security-token", {**KEYS, "AWS_SECURITY_TOKEN": "", "AWS_SESSION_TOKEN": "b"}, {}),
    ("empty-token", {**KEYS, "AWS_SESSION_TOKEN": ""}, {}),
    ("account-id", {**KEYS, "AWS_ACCOUNT_ID": "123456789012"}, {}),
    ("default-region", {**KEYS, "AWS_DEFAULT_REGION": "eu-west-3", "AWS_REGION": "x"}, {}),
    ("aws-region-alone", {**KEYS, "AWS_REGION": "eu-west-3"}, {}),
    ("empty-region", {**KEYS, "AWS_DEFAULT_REGION": ""}, {}),
    ("region-override", {**KEYS, "AWS_DEFAULT_REGION": "eu-west-3"}, {"region": "ap-south-1"}),
    (
        "endpoint-s3-first",
        {**KEYS, "AWS_ENDPOINT_URL_S3": "http://s3.test:1", "AWS_ENDPOINT_URL": "http://g:2"},
        {},
    ),
    ("endpoint-global", {**KEYS, "AWS_ENDPOINT_URL": "http://g:2"}, {}),
    (
        "endpoint-s3-empty",
        {**KEYS, "AWS_ENDPOINT_URL_S3": "", "AWS_ENDPOINT_URL": "http://g:2"},
        {},
    ),
    *[
        (
            f"ignore-endpoints-{value or 'empty'}",
            {
                **KEYS,
                "AWS_ENDPOINT_URL_S3": "http://s3.test:1",
                "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": value,
            },
            {},
        )
        for value in ("true", "TRUE", "false", "1", "")
    ],
    ("ca-bundle", {**KEYS, "AWS_CA_BUNDLE": "/some/ca.pem"}, {}),
    ("ca-bundle-empty", {**KEYS, "AWS_CA_BUNDLE": ""}, {}),
    ("fips", {**KEYS, "AWS_USE_FIPS_ENDPOINT": "True"}, {}),
    ("dualstack", {**KEYS, "AWS_USE_DUALSTACK_ENDPOINT": "true"}, {}),
    ("fips-false", {**KEYS, "AWS_USE_FIPS_ENDPOINT": "no"}, {}),
    (
        "s3-variables",
        {
            **KEYS,
            "AWS_S3_US_EAST_1_REGIONAL_ENDPOINT": "regional",
            "AWS_S3_USE_ARN_REGION": "TRUE",
            "AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS": "false",
        },
        {},
    ),
    ("explicit-keys", {"AWS_ENDPOINT_URL_S3": "http://s3.test:1"}, EXPLICIT),
    ("explicit-keys-win", {**KEYS, "AWS_DEFAULT_REGION": "eu-north-1"}, EXPLICIT),
    (
        "explicit-token",
        {},
        {**EXPLICIT, "session_token": "saved-token", "region": "us-west-2"},
    ),
    ("config-file-empty-name", {**KEYS, "AWS_CONFIG_FILE": ""}, {}),
    ("config-file-is-a-folder", {**KEYS, "AWS_CONFIG_FILE": "{tmp}"}, {}),
    ("config-file-missing", {**KEYS, "AWS_CONFIG_FILE": "{tmp}/nothing/config"}, {}),
]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No ``AWS_*`` variable of the test process, a home without ``~/.aws``, no IMDS."""
    for var in list(os.environ):
        if var.startswith("AWS_"):
            monkeypatch.delenv(var)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return tmp_path


def _apply(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], tmp: Path) -> None:
    for var, value in env.items():
        monkeypatch.setenv(var, value.replace("{tmp}", str(tmp)))


def _answers(source: Any) -> dict[str, Any]:
    """What the app asks a configuration source (``fastput_setup``, ``connect``)."""
    creds = source.get_credentials()
    frozen = creds.get_frozen_credentials() if creds is not None else None
    keys = (frozen.access_key, frozen.secret_key, frozen.token) if frozen else None
    asked = ("region", "ca_bundle", "use_fips_endpoint", "use_dualstack_endpoint", "s3")
    return {
        "keys": keys,
        **{name: source.get_config_variable(name) for name in asked},
        "ignore_configured_endpoint_urls": source.get_config_variable(
            "ignore_configured_endpoint_urls"
        ),
        "endpoint": configured_endpoint_url(source),
    }


@pytest.mark.parametrize(
    ("env", "given"), [c[1:] for c in SUPPORTED], ids=[c[0] for c in SUPPORTED]
)
def test_the_environment_answers_as_botocore_does(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], given: dict[str, Any]
) -> None:
    _apply(monkeypatch, env, clean_env)
    settings = ConnectionSettings(**given)
    light = environment_config(settings)
    assert isinstance(light, EnvironmentConfig)
    assert _answers(light) == _answers(make_core_session(settings))
    assert S3Context(settings).config_source is not None


#: (id, environment, settings, shared files to write): botocore must decide.
DECLINED: list[tuple[str, dict[str, str], dict[str, Any], dict[str, str]]] = [
    ("no-keys", {"AWS_DEFAULT_REGION": "eu-west-3"}, {}, {}),
    ("partial-keys", {"AWS_ACCESS_KEY_ID": "AKID"}, {}, {}),
    ("empty-secret", {**KEYS, "AWS_SECRET_ACCESS_KEY": ""}, {}, {}),
    ("expiring", {**KEYS, "AWS_CREDENTIAL_EXPIRATION": "2099-01-01T00:00:00Z"}, {}, {}),
    ("aws-profile", {**KEYS, "AWS_PROFILE": "work"}, {}, {}),
    ("aws-default-profile", {**KEYS, "AWS_DEFAULT_PROFILE": "default"}, {}, {}),
    ("chosen-profile", KEYS, {"aws_profile": "work"}, {}),
    (
        "config-file",
        {**KEYS, "AWS_CONFIG_FILE": "{tmp}/config"},
        {},
        {"config": "[default]\nregion = eu-west-3\n"},
    ),
    (
        "credentials-file-region",
        {**KEYS, "AWS_SHARED_CREDENTIALS_FILE": "{tmp}/credentials"},
        {},
        {"credentials": "[default]\nregion = eu-west-3\n"},
    ),
    ("home-aws-config", KEYS, {}, {"home/.aws/config": "[default]\nregion = eu-west-3\n"}),
    (
        "explicit-keys-and-config",
        {"AWS_CONFIG_FILE": "{tmp}/config"},
        EXPLICIT,
        {"config": "[default]\nendpoint_url = http://from-config:9\n"},
    ),
]


@pytest.mark.parametrize(
    ("env", "given", "files"), [c[1:] for c in DECLINED], ids=[c[0] for c in DECLINED]
)
def test_botocore_decides_where_the_environment_is_not_enough(
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    given: dict[str, Any],
    files: dict[str, str],
) -> None:
    for name, text in files.items():
        path = clean_env / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    _apply(monkeypatch, env, clean_env)
    settings = ConnectionSettings(**given)
    assert environment_config(settings) is None
    if not given.get("aws_profile") and "AWS_PROFILE" not in env:
        assert not isinstance(S3Context(settings).config_source, EnvironmentConfig)


def test_the_connection_reads_the_environment_only_once(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys changed after the connection opened are not mixed into it (botocore's session
    also resolves them once)."""
    _apply(monkeypatch, KEYS, clean_env)
    context = S3Context(ConnectionSettings())
    first = context.config_source.get_credentials()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "OTHER")
    assert context.config_source.get_credentials() == first
