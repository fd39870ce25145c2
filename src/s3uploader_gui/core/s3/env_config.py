"""What botocore's session would answer for a connection the environment alone configures,
found without importing botocore (its session module pulls in its client, docs and urllib3).

It answers only where the answer is certain to be botocore's:

* no AWS profile is chosen (``--profile``-style ``aws_profile``, ``AWS_PROFILE``,
  ``AWS_DEFAULT_PROFILE``): a chosen profile drops botocore's environment provider and
  scopes every setting to that profile;
* neither shared file exists (``AWS_CONFIG_FILE``, ``AWS_SHARED_CREDENTIALS_FILE``, by
  default ``~/.aws/config`` and ``~/.aws/credentials``): botocore merges both into the
  profile's settings (a region in the credentials file counts), so where one exists
  botocore reads it;
* the keys are the connection's own, or ``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY``
  (botocore's chain tries the environment first), without ``AWS_CREDENTIAL_EXPIRATION``
  (botocore then makes them refreshable).

Anywhere else ``environment_config`` returns None and botocore's session decides.
``tests/core/s3/test_env_config.py`` checks every answer against botocore's.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from s3uploader_gui.core.s3.settings import ConnectionSettings

#: The shared files botocore reads, by the variable that moves each, and its default.
_SHARED_FILES = (
    ("AWS_CONFIG_FILE", "~/.aws/config"),
    ("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
)
#: botocore reads the session token from the first of these that is set and not empty.
_TOKEN_VARS = ("AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN")
#: The boolean settings botocore also reads from the environment (``ensure_boolean``).
_BOOLEAN_VARS = {
    "use_fips_endpoint": "AWS_USE_FIPS_ENDPOINT",
    "use_dualstack_endpoint": "AWS_USE_DUALSTACK_ENDPOINT",
    "ignore_configured_endpoint_urls": "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
}
#: The ``s3`` settings botocore takes from the environment: (name, variable, boolean).
_S3_VARS = (
    ("use_arn_region", "AWS_S3_USE_ARN_REGION", True),
    ("us_east_1_regional_endpoint", "AWS_S3_US_EAST_1_REGIONAL_ENDPOINT", False),
    ("s3_disable_multiregion_access_points", "AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS", True),
)


@dataclass(frozen=True)
class EnvCredentials:
    """Static keys, shaped like botocore's credentials (``get_frozen_credentials``)."""

    access_key: str
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)

    def get_frozen_credentials(self) -> EnvCredentials:
        """These keys (they never change)."""
        return self


def _boolean(value: object) -> bool:
    """botocore's ``ensure_boolean``: "true" in any case is True, anything else False."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.lower() == "true"


class EnvironmentConfig:
    """The answers of botocore's session for a connection configured by the environment
    alone: the same method names, so either can be asked (``S3Context.config_source``)."""

    profile = None

    def __init__(
        self,
        settings: ConnectionSettings,
        credentials: EnvCredentials,
        environ: Mapping[str, str],
    ) -> None:
        self.settings = settings
        self._credentials = credentials
        self._environ = dict(environ)

    def get_credentials(self) -> EnvCredentials:
        """The keys botocore's chain would find."""
        return self._credentials

    def get_config_variable(self, name: str) -> Any:
        """The value botocore's ``get_config_variable(name)`` gives with no shared file,
        for the settings the app asks about; KeyError for any other."""
        env = self._environ
        if name == "region":
            return self.settings.region or env.get("AWS_DEFAULT_REGION")
        if name == "ca_bundle":
            return env.get("AWS_CA_BUNDLE")
        if name in _BOOLEAN_VARS:
            var = _BOOLEAN_VARS[name]
            return _boolean(env[var]) if var in env else None
        if name == "s3":
            found = {
                key: (_boolean(env[var]) if boolean else env[var])
                for key, var, boolean in _S3_VARS
                if var in env
            }
            return found or None
        raise KeyError(name)

    def configured_endpoint_url(self) -> str | None:
        """``AWS_ENDPOINT_URL_S3``, else ``AWS_ENDPOINT_URL``, unless configured endpoints
        are ignored (botocore's ``ConfiguredEndpointProvider`` without a config file)."""
        if self.get_config_variable("ignore_configured_endpoint_urls"):
            return None
        for var in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"):
            if self._environ.get(var):
                return self._environ[var]
        return None


def _shared_file_exists(environ: Mapping[str, str]) -> bool:
    for var, default in _SHARED_FILES:
        path = environ.get(var, default)
        if path and os.path.isfile(os.path.expanduser(os.path.expandvars(path))):
            return True
    return False


def _environment_keys(environ: Mapping[str, str]) -> EnvCredentials | None:
    access = environ.get("AWS_ACCESS_KEY_ID", "")
    secret = environ.get("AWS_SECRET_ACCESS_KEY", "")
    if not access or not secret or environ.get("AWS_CREDENTIAL_EXPIRATION"):
        return None  # none, partial (botocore says what is missing) or refreshable
    token = next((environ[v] for v in _TOKEN_VARS if environ.get(v)), None)
    return EnvCredentials(access, secret, token)


def environment_config(
    settings: ConnectionSettings, environ: Mapping[str, str] | None = None
) -> EnvironmentConfig | None:
    """botocore's answers for ``settings`` found from ``environ`` (``os.environ``) alone;
    None where botocore must decide (see the module's docstring)."""
    env = os.environ if environ is None else environ
    if settings.aws_profile or "AWS_PROFILE" in env or "AWS_DEFAULT_PROFILE" in env:
        return None
    if settings.access_key_id and settings.secret_access_key:
        keys: EnvCredentials | None = EnvCredentials(
            settings.access_key_id, settings.secret_access_key, settings.session_token or None
        )
    else:
        keys = _environment_keys(env)
    if keys is None or _shared_file_exists(env):
        return None
    return EnvironmentConfig(settings, keys, env)
