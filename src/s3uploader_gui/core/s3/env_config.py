"""What botocore's session would answer for a connection whose keys are certain without
it, found without importing botocore's session (which pulls in its client, docs and
urllib3).

It answers only where the answer is certain to be botocore's:

* the keys are the connection's own, or ``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY``
  (botocore's chain tries the environment first), without ``AWS_CREDENTIAL_EXPIRATION``
  (botocore then makes them refreshable);
* no AWS profile is chosen for the connection (``aws_profile``): that drops botocore's
  environment provider. ``AWS_PROFILE``/``AWS_DEFAULT_PROFILE`` only choose whose
  settings apply;
* the region, endpoint, CA bundle and ``s3`` settings come from the environment, or from
  the shared files (``AWS_CONFIG_FILE``, ``AWS_SHARED_CREDENTIALS_FILE``, by default
  ``~/.aws/config`` and ``~/.aws/credentials``, both merged into the profile's settings as
  botocore does), read with botocore's own small ``configloader``; with no file and no
  profile named, nothing of botocore is imported;
* nothing botocore would refuse: an unreadable file, a profile that is not there, a
  ``services`` section that is missing, metadata-service settings it converts while it
  builds its chain.

Anywhere else ``environment_config`` returns None and botocore's session decides.
``tests/core/s3/test_env_config.py`` checks every answer against botocore's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
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
#: Settings botocore converts while it builds its credential chain (a bad value raises
#: there): where one is set, botocore decides.
_CHECKED_VARS = (
    "AWS_METADATA_SERVICE_TIMEOUT",
    "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
)
_CHECKED_KEYS = (
    "metadata_service_timeout",
    "metadata_service_num_attempts",
    "ec2_metadata_service_endpoint_mode",
)

Key = str | tuple[str, str]
Convert = Callable[[Any], Any] | None


def _boolean(value: object) -> bool:
    """botocore's ``ensure_boolean``: "true" in any case is True, anything else False."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.lower() == "true"


#: botocore's session variables the app asks about: (variables, profile keys, conversion),
#: looked up in that order after a value the session was given.
_SESSION_VARS: dict[str, tuple[tuple[str, ...], tuple[Key, ...], Convert]] = {
    "region": (("AWS_DEFAULT_REGION",), ("region",), None),
    "ca_bundle": (("AWS_CA_BUNDLE",), ("ca_bundle",), None),
    "use_fips_endpoint": (("AWS_USE_FIPS_ENDPOINT",), ("use_fips_endpoint",), _boolean),
    "use_dualstack_endpoint": (
        ("AWS_USE_DUALSTACK_ENDPOINT",),
        ("use_dualstack_endpoint",),
        _boolean,
    ),
    "ignore_configured_endpoint_urls": (
        ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",),
        ("ignore_configured_endpoint_urls",),
        _boolean,
    ),
}
#: The ``s3`` section's settings that variables or top-level keys may also give.
_S3_VARS: dict[str, tuple[tuple[str, ...], tuple[Key, ...], Convert]] = {
    "addressing_style": ((), (("s3", "addressing_style"),), None),
    "use_accelerate_endpoint": ((), (("s3", "use_accelerate_endpoint"),), _boolean),
    "use_dualstack_endpoint": ((), (("s3", "use_dualstack_endpoint"),), _boolean),
    "payload_signing_enabled": ((), (("s3", "payload_signing_enabled"),), _boolean),
    "use_arn_region": (
        ("AWS_S3_USE_ARN_REGION",),
        ("s3_use_arn_region", ("s3", "use_arn_region")),
        _boolean,
    ),
    "us_east_1_regional_endpoint": (
        ("AWS_S3_US_EAST_1_REGIONAL_ENDPOINT",),
        ("s3_us_east_1_regional_endpoint", ("s3", "us_east_1_regional_endpoint")),
        None,
    ),
    "s3_disable_multiregion_access_points": (
        ("AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS",),
        (("s3", "s3_disable_multiregion_access_points"),),
        _boolean,
    ),
}


@dataclass(frozen=True)
class EnvCredentials:
    """Static keys, shaped like botocore's credentials (``get_frozen_credentials``)."""

    access_key: str
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)

    def get_frozen_credentials(self) -> EnvCredentials:
        """These keys (they never change)."""
        return self


class EnvironmentConfig:
    """The answers of botocore's session for a connection configured by the environment
    and the shared files: the same method names, so either can be asked
    (``S3Context.config_source``)."""

    profile = None

    def __init__(
        self,
        settings: ConnectionSettings,
        credentials: EnvCredentials,
        environ: Mapping[str, str],
        scoped: Mapping[str, Any] | None = None,
        services: Mapping[str, Any] | None = None,
    ) -> None:
        self.settings = settings
        self._credentials = credentials
        self._environ = dict(environ)
        self._scoped = dict(scoped or {})
        self._services = dict(services or {})

    def get_credentials(self) -> EnvCredentials:
        """The keys botocore's chain would find."""
        return self._credentials

    def _chain(self, names: tuple[str, ...], keys: tuple[Key, ...], convert: Convert) -> Any:
        value: Any = None
        for name in names:
            if name in self._environ:
                value = self._environ[name]
                break
        else:
            for key in keys:
                if isinstance(key, tuple):
                    section = self._scoped.get(key[0])
                    value = section.get(key[1]) if isinstance(section, dict) else None
                else:
                    value = self._scoped.get(key)
                if value is not None:
                    break
        return convert(value) if value is not None and convert is not None else value

    def get_config_variable(self, name: str) -> Any:
        """The value botocore's ``get_config_variable(name)`` gives, for the settings the
        app asks about; KeyError for any other."""
        if name == "region" and self.settings.region:
            return self.settings.region
        if name == "s3":
            return self._s3()
        return self._chain(*_SESSION_VARS[name])

    def _s3(self) -> dict[str, Any] | None:
        found = self._scoped.get("s3")
        section = dict(found) if isinstance(found, dict) else None
        for key, spec in _S3_VARS.items():
            value = self._chain(*spec)
            if value is not None:
                section = section if section is not None else {}
                section[key] = value
        return section

    def configured_endpoint_url(self) -> str | None:
        """botocore's ``ConfiguredEndpointProvider`` for S3: ``AWS_ENDPOINT_URL_S3``, else
        ``AWS_ENDPOINT_URL``, else the profile's ``services`` section, else its
        ``endpoint_url``; None when configured endpoints are ignored."""
        if self.get_config_variable("ignore_configured_endpoint_urls"):
            return None
        for var in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"):
            if self._environ.get(var):
                return self._environ[var]
        service = self._services.get("s3")
        if isinstance(service, dict) and service.get("endpoint_url"):
            return str(service["endpoint_url"])
        configured = self._scoped.get("endpoint_url")
        return str(configured) if configured else None


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


def _profile_name(environ: Mapping[str, str]) -> str | None:
    for var in ("AWS_DEFAULT_PROFILE", "AWS_PROFILE"):
        if var in environ:
            return environ[var]
    return None


def _shared_config(
    environ: Mapping[str, str], profile: str | None
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The profile's settings and its ``services`` section as botocore's session reads
    them (both files, parsed by botocore's own ``configloader``); None where botocore
    would raise or where this is not sure to match it."""
    try:
        from botocore import configloader
        from botocore.exceptions import ConfigNotFound

        try:
            full = configloader.load_config(environ.get(*_SHARED_FILES[0]))
        except ConfigNotFound:
            full = {"profiles": {}}
        try:
            for name, values in configloader.raw_config_parse(
                environ.get(*_SHARED_FILES[1])
            ).items():
                full["profiles"].setdefault(name, {}).update(values)
        except ConfigNotFound:
            pass
    except Exception:  # an unreadable file: botocore says what is wrong
        return None
    profiles = full.get("profiles", {})
    if profile is not None and profile not in profiles:
        return None  # botocore: ProfileNotFound
    scoped = profiles.get(profile if profile is not None else "default", {})
    if not isinstance(scoped, dict) or any(key in scoped for key in _CHECKED_KEYS):
        return None
    if "s3" in scoped and not isinstance(scoped["s3"], dict):
        return None
    services: dict[str, Any] = {}
    if "services" in scoped:
        found = full.get("services", {}).get(scoped["services"])
        if not found or not isinstance(found, dict):
            return None  # botocore: the services section is missing
        services = found
    return scoped, services


def environment_config(
    settings: ConnectionSettings, environ: Mapping[str, str] | None = None
) -> EnvironmentConfig | None:
    """botocore's answers for ``settings`` found from ``environ`` (``os.environ``) and the
    shared files; None where botocore must decide (see the module's docstring)."""
    env = os.environ if environ is None else environ
    if settings.aws_profile or any(var in env for var in _CHECKED_VARS):
        return None
    profile = _profile_name(env)
    if profile == "":
        return None
    if settings.access_key_id and settings.secret_access_key:
        keys: EnvCredentials | None = EnvCredentials(
            settings.access_key_id, settings.secret_access_key, settings.session_token or None
        )
    else:
        keys = _environment_keys(env)
    if keys is None:
        return None
    if profile is None and not _shared_file_exists(env):
        return EnvironmentConfig(settings, keys, env)  # botocore is not even imported
    found = _shared_config(env, profile)
    if found is None:
        return None
    return EnvironmentConfig(settings, keys, env, *found)
