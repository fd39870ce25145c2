"""Profiles of the AWS shared config (``~/.aws/config`` and ``~/.aws/credentials``).

The app never parses these files itself: botocore reads them (honouring
``AWS_CONFIG_FILE``/``AWS_SHARED_CREDENTIALS_FILE``) and resolves credentials its own way
(static keys, SSO, assume-role, credential_process...). Only names and the *kind* of each
profile are read here; key values never leave botocore.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # boto3/botocore load on first use, not at start-up
    import boto3
    import botocore.session

from s3uploader_gui.core.errors import AppError, ConfigError, CredentialsExpired, translate


class AwsProfileKind(enum.StrEnum):
    KEYS = "access keys"
    SSO = "SSO"
    ASSUME_ROLE = "assume role"
    PROCESS = "credential process"
    WEB_IDENTITY = "web identity"
    OTHER = "other"


@dataclass(frozen=True)
class AwsProfileInfo:
    """One profile of the shared config: its name, how it gets credentials, its region."""

    name: str
    kind: AwsProfileKind
    region: str = ""

    @property
    def label(self) -> str:
        """ "work (SSO, eu-west-1)" for a list."""
        details = [str(self.kind)] + ([self.region] if self.region else [])
        return f"{self.name} ({', '.join(details)})"


def _kind(config: dict[str, Any]) -> AwsProfileKind:
    if "sso_session" in config or "sso_start_url" in config:
        return AwsProfileKind.SSO
    if "role_arn" in config:
        return AwsProfileKind.ASSUME_ROLE
    if "credential_process" in config:
        return AwsProfileKind.PROCESS
    if "web_identity_token_file" in config:
        return AwsProfileKind.WEB_IDENTITY
    if "aws_access_key_id" in config:
        return AwsProfileKind.KEYS
    return AwsProfileKind.OTHER


def list_profiles() -> list[AwsProfileInfo]:
    """The shared-config profiles, sorted by name ("default" first); [] without files."""
    import botocore.exceptions as bce
    import botocore.session

    try:
        session = botocore.session.Session()
        profiles: dict[str, dict[str, Any]] = session.full_config.get("profiles", {})
    except bce.BotoCoreError as exc:  # a damaged config file
        raise translate(exc) from None
    infos = [
        AwsProfileInfo(name=name, kind=_kind(config), region=str(config.get("region", "")))
        for name, config in profiles.items()
        if isinstance(config, dict)
    ]
    return sorted(infos, key=lambda p: (p.name != "default", p.name.lower()))


def sso_login_message(profile: str) -> str:
    """What to do when the SSO session of ``profile`` is missing or expired."""
    return (
        f"The AWS SSO session of profile “{profile}” is missing or has expired: run "
        f"“aws sso login --profile {profile}” and try again."
    )


def _sso_errors() -> tuple[type[Exception], ...]:
    import botocore.exceptions as bce

    names = ("SSOError", "SSOTokenLoadError", "UnauthorizedSSOTokenError", "TokenRetrievalError")
    return tuple(cls for name in names if isinstance(cls := getattr(bce, name, None), type))


def check_credentials(
    session: boto3.session.Session | botocore.session.Session, profile: str
) -> bool:
    """Resolve the credentials of AWS profile ``profile`` now (boto3's own chain).

    Returns True when they are temporary (SSO, assumed role, session token). Raises
    ``CredentialsExpired`` naming ``aws sso login --profile`` for a missing or expired SSO
    session, ``MissingCredentials``/``ConfigError`` when the profile yields none.
    May block on the network (STS, SSO): call it from a worker thread.
    """
    import botocore.exceptions as bce

    try:
        credentials = session.get_credentials()
        if credentials is None:
            raise ConfigError(f"The AWS profile “{profile}” has no credentials.")
        frozen = credentials.get_frozen_credentials()
    except AppError:
        raise
    except _sso_errors() as exc:
        raise CredentialsExpired(sso_login_message(profile), code="SSOTokenExpired") from exc
    except bce.ClientError as exc:
        if "sso" in str(exc.operation_name).lower() or exc.response.get("Error", {}).get(
            "Code"
        ) in {"UnauthorizedException", "ExpiredTokenException"}:
            raise CredentialsExpired(sso_login_message(profile), code="SSOTokenExpired") from exc
        raise translate(exc) from None
    except Exception as exc:
        raise translate(exc) from None
    return bool(frozen.token)
