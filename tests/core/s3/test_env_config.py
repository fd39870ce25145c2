"""The environment's answer (``core.s3.env_config``) is botocore's answer, case by case:
the same keys, region, endpoint, CA bundle, endpoint variants and ``s3`` settings as a
botocore session built for the same settings and files; and where it cannot be sure (a
chosen profile, refreshable or partial keys, a file or setting botocore refuses) it gives
none, so that botocore decides.
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


CONFIG = "{tmp}/config"
CREDS = "{tmp}/credentials"
FILES = {"AWS_CONFIG_FILE": CONFIG, "AWS_SHARED_CREDENTIALS_FILE": CREDS}
WORK = (
    "[default]\nregion = eu-west-1\n"
    "[profile work]\nregion = ap-south-1\nservices = work-s3\n"
    "ca_bundle = /work/ca.pem\nuse_fips_endpoint = false\n"
    "s3 =\n  addressing_style = virtual\n  use_accelerate_endpoint = false\n"
    "s3_us_east_1_regional_endpoint = regional\n"
    "role_arn = arn:aws:iam::123456789012:role/x\nsource_profile = default\n"
    "[profile plain]\nendpoint_url = http://plain.test:9000\n"
    "[profile flags]\nuse_dualstack_endpoint = TRUE\nignore_configured_endpoint_urls = true\n"
    "endpoint_url = http://ignored.test\ns3 =\n  use_arn_region = true\n"
    "[services work-s3]\ns3 =\n  endpoint_url = https://ceph.example.test:7480\n"
)
#: (id, environment, settings, shared files): botocore answers with these files.
WITH_FILES: list[tuple[str, dict[str, str], dict[str, Any], dict[str, str]]] = [
    ("default-profile", {**KEYS, **FILES}, {}, {"config": WORK}),
    ("named-profile", {**KEYS, **FILES, "AWS_PROFILE": "work"}, {}, {"config": WORK}),
    (
        "default-profile-variable-first",
        {**KEYS, **FILES, "AWS_DEFAULT_PROFILE": "plain", "AWS_PROFILE": "work"},
        {},
        {"config": WORK},
    ),
    ("profile-endpoint", {**KEYS, **FILES, "AWS_PROFILE": "plain"}, {}, {"config": WORK}),
    ("profile-flags", {**KEYS, **FILES, "AWS_PROFILE": "flags"}, {}, {"config": WORK}),
    (
        "environment-wins",
        {
            **KEYS,
            **FILES,
            "AWS_PROFILE": "work",
            "AWS_DEFAULT_REGION": "us-west-2",
            "AWS_ENDPOINT_URL": "http://env.test",
            "AWS_CA_BUNDLE": "/env/ca.pem",
            "AWS_S3_US_EAST_1_REGIONAL_ENDPOINT": "legacy",
        },
        {},
        {"config": WORK},
    ),
    (
        "credentials-file-merged",
        {**KEYS, **FILES, "AWS_PROFILE": "work"},
        {},
        {
            "config": WORK,
            "credentials": "[work]\nregion = sa-east-1\naws_access_key_id = AKIDFILE\n"
            "aws_secret_access_key = file-secret\n[other]\nregion = x\n",
        },
    ),
    (
        "credentials-file-alone",
        {**KEYS, **FILES},
        {},
        {"credentials": "[default]\nregion = eu-west-3\n"},
    ),
    ("home-aws-config", KEYS, {}, {"home/.aws/config": "[default]\nregion = eu-west-3\n"}),
    (
        "explicit-keys-and-config",
        FILES,
        EXPLICIT,
        {"config": "[default]\nendpoint_url = http://from-config:9\n"},
    ),
    (
        "profile-of-the-credentials-file",
        {**KEYS, **FILES, "AWS_PROFILE": "c"},
        {},
        {"credentials": "[c]\nregion = eu-south-1\n"},
    ),
]


def _write(files: dict[str, str], tmp: Path) -> None:
    for name, text in files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.mark.parametrize(
    ("env", "given", "files"),
    [(*c[1:], {}) for c in SUPPORTED] + [c[1:] for c in WITH_FILES],
    ids=[c[0] for c in SUPPORTED] + [c[0] for c in WITH_FILES],
)
def test_the_environment_answers_as_botocore_does(
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    given: dict[str, Any],
    files: dict[str, str],
) -> None:
    _write(files, clean_env)
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
    ("missing-profile", {**KEYS, **FILES, "AWS_PROFILE": "nobody"}, {}, {"config": WORK}),
    ("profile-without-files", {**KEYS, "AWS_PROFILE": "default"}, {}, {}),
    ("empty-profile-name", {**KEYS, **FILES, "AWS_PROFILE": ""}, {}, {"config": WORK}),
    ("unreadable-config", {**KEYS, **FILES}, {}, {"config": "[default\nregion = x\n"}),
    ("unreadable-credentials", {**KEYS, **FILES}, {}, {"credentials": "region = x\n"}),
    (
        "missing-services-section",
        {**KEYS, **FILES},
        {},
        {"config": "[default]\nservices = nowhere\n"},
    ),
    ("metadata-timeout-variable", {**KEYS, "AWS_METADATA_SERVICE_TIMEOUT": "soon"}, {}, {}),
    (
        "metadata-timeout-setting",
        {**KEYS, **FILES},
        {},
        {"config": "[default]\nmetadata_service_timeout = soon\n"},
    ),
    (
        "s3-not-a-section",
        {**KEYS, **FILES},
        {},
        {"config": "[default]\ns3 = virtual\n"},
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
    _write(files, clean_env)
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
