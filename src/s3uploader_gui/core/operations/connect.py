"""Opening a connection: the one way the window and the command line connect.

A connection comes from a saved profile (keys from the keyring, or an AWS profile of
``~/.aws`` such as SSO), from the embedded local storage, or from boto3's standard chain
(``AWS_*`` variables, ``~/.aws``) when no profile is named. Whichever it is, the same
steps run, in this order, so both faces fail the same way with the same sentence:

1. the endpoint URL and region overrides are checked (a typo is a ``ConfigError``);
2. the local storage server is started when it is the local profile;
3. the settings are resolved (a keyring that cannot be read is a ``ConfigError``);
4. credentials that boto3 resolves itself (SSO, assumed role, the standard chain) are
   resolved now, so an expired SSO session says "run aws sso login --profile X" instead
   of a vague 403 at the first request;
5. the client is built, and for the local storage the default bucket is created, waiting
   up to ``LOCAL_VOLUME_WAIT`` seconds for a just-started server's volume to be writable;
6. the ``TransferEngine`` is created (with the transfer journal when asked) and its fast
   path is prepared, so that its modules load here and not at the first upload.

Everything here blocks (keyring, network, a server starting): run it on a worker thread.
Nothing heavy is imported at module level: the window imports this module at start-up.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import (
    AppError,
    Cancelled,
    ConfigError,
    EndpointUnreachable,
    MissingCredentials,
)
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.settings import ConnectionSettings

if TYPE_CHECKING:  # botocore, subprocess, sqlite3 and the engine's modules load in the worker
    import botocore.session

    from s3uploader_gui.core.credentials import CredentialStore
    from s3uploader_gui.core.local.info import LocalServerInfo
    from s3uploader_gui.core.local.server import LocalServer
    from s3uploader_gui.core.profiles import Profile
    from s3uploader_gui.core.s3.client import S3Client
    from s3uploader_gui.core.s3.fastput import FastPut
    from s3uploader_gui.core.transfers.engine import TransferEngine
    from s3uploader_gui.core.transfers.journal import Journal

log = logging.getLogger(__name__)

#: How long a just-started local server may take before its volume accepts a bucket.
LOCAL_VOLUME_WAIT = 20.0
#: The label of a connection made through boto3's standard chain without an endpoint.
STANDARD_CHAIN_LABEL = "AWS standard chain"


@dataclass(frozen=True)
class Connection:
    """A ready connection: what a face works with until it closes it.

    ``profile`` is None for boto3's standard chain (no profile named). ``label`` names the
    connection in titles and messages: the profile's name, else the endpoint's host.
    """

    profile: Profile | None
    context: S3Context
    engine: TransferEngine
    label: str = ""
    #: Buckets that opening the connection found (or created): no need to ask again.
    known_buckets: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", connection_label(self.profile, self.context.settings))

    def close(self) -> None:
        """Stop the engine's threads (cancelling any transfer still running)."""
        self.engine.close()


def connection_label(profile: Profile | None, settings: ConnectionSettings) -> str:
    """How a connection is named: the profile's name, the endpoint's host, or the chain."""
    if profile is not None:
        return profile.name
    if settings.label:
        return settings.label
    if settings.endpoint_url:
        return urlsplit(settings.endpoint_url).netloc or settings.endpoint_url
    return STANDARD_CHAIN_LABEL


def check_endpoint_url(url: str | None) -> None:
    """Raise ``ConfigError`` unless ``url`` (when given) is an http(s)://HOST[:PORT] URL."""
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"“{url}” is not an endpoint URL: write http(s)://HOST[:PORT].")


def _check_overrides(profile: Profile | None, endpoint_url: str | None, region: str | None) -> None:
    check_endpoint_url(endpoint_url)
    if profile is not None and profile.is_local and (endpoint_url or region):
        raise ConfigError(
            "An endpoint URL or a region cannot be used with the local storage: "
            "it runs on this computer."
        )


def resolve_settings(
    profile: Profile | None,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    credentials: CredentialStore | None = None,
    local: LocalServerInfo | None = None,
) -> ConnectionSettings:
    """The ``ConnectionSettings`` for ``profile``, with ``endpoint_url``/``region`` overrides.

    ``profile`` None: boto3's standard chain (keys, region, ``AWS_ENDPOINT_URL_S3`` and
    ``~/.aws`` come from boto3; only the overrides are set). A saved profile gets its
    secret from ``credentials`` (the keyring); a keyring that cannot be read is a
    ``ConfigError``, since the configuration cannot work. The local profile needs the
    running server's ``local`` info and takes no overrides. May block on the keyring.
    """
    _check_overrides(profile, endpoint_url, region)
    if profile is None:
        return ConnectionSettings(endpoint_url=endpoint_url, region=region)
    from s3uploader_gui.core.profiles import connection_settings

    try:
        settings = connection_settings(profile, credentials=credentials, local=local)
    except ConfigError:
        raise
    except AppError as err:  # e.g. KeyringUnavailable: the configuration cannot work
        raise ConfigError(err.message, code=err.code) from err
    if endpoint_url:
        settings = dataclasses.replace(settings, endpoint_url=endpoint_url)
    if region:
        settings = dataclasses.replace(settings, region=region)
    return settings


def open_connection(
    profile: Profile | None,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    credentials: CredentialStore | None = None,
    local_server: LocalServer | None = None,
    journal: bool = False,
    cancel: CancelToken | None = None,
    prepare_client: bool = True,
) -> Connection:
    """Open a connection to ``profile`` (None: boto3's standard chain) and return it ready.

    ``endpoint_url``/``region`` override the profile's (or the chain's) values.
    ``credentials``: where saved profiles keep their secrets (the default keyring when
    None). ``local_server``: the server object for the local profile, started here when it
    is not running; the caller owns it and stops it. ``journal``: record uploads in the
    transfer journal of the user data directory (resumable after a crash); otherwise an
    in-memory one. ``cancel`` stops the wait for the local volume and the steps between.
    ``prepare_client`` False leaves botocore's client to be built on first use (a command
    line run whose requests all take the lean path never needs one).

    Raises ``ConfigError`` for overrides or settings that cannot work,
    ``CredentialsExpired`` naming ``aws sso login --profile`` for a missing or expired SSO
    session, ``MissingCredentials`` when the standard chain finds no credentials,
    ``EndpointUnreachable`` when the local server cannot be reached, ``Cancelled``.
    Blocks on the keyring, the network and the local server: call it from a worker thread.
    """
    cancel = cancel or CancelToken()
    _check_overrides(profile, endpoint_url, region)
    local = profile is not None and profile.is_local
    if local and local_server is None:
        raise ValueError("open_connection needs the LocalServer object for the local profile")
    cancel.raise_if_cancelled()
    info = local_server.start() if local and local_server is not None else None
    settings = resolve_settings(
        profile, endpoint_url=endpoint_url, region=region, credentials=credentials, local=info
    )
    context = S3Context(settings)
    cancel.raise_if_cancelled()
    check_connection_credentials(context)
    register_connection_secrets(context)
    if prepare_client:
        _ = context.client  # building it is slow (botocore loads its data files): do it here
    cancel.raise_if_cancelled()
    from s3uploader_gui.core.transfers.engine import TransferEngine

    journal_file = _open_journal() if journal else None
    engine = TransferEngine(context, journal=journal_file)
    known: frozenset[str] = frozenset()
    try:
        fast = engine.fast  # its modules load here, not in the first upload
        if local and profile is not None:
            # The lean sender asks whether the bucket is there: botocore's client is
            # built only to create it (the first time).
            _wait_for_local_volume(context, profile.default_bucket, local_server, cancel, fast)
            known = frozenset({profile.default_bucket})
        cancel.raise_if_cancelled()
    except BaseException:
        engine.close()
        if journal_file is not None:  # the engine closes only a journal it made itself
            journal_file.close()
        raise
    return Connection(profile, context, engine, known_buckets=known)


def check_connection_credentials(context: S3Context) -> None:
    """Resolve the credentials boto3 finds by itself, now, with a precise message.

    Explicit keys (a saved profile's, the local server's) need nothing, nor keys in the
    environment that botocore's chain would take first (``core.s3.env_config``). An AWS
    profile of ``~/.aws`` (SSO, assumed role...) and boto3's standard chain are resolved, so that a
    missing or expired SSO session says "run aws sso login --profile X" and an empty
    chain says that no credentials were found, before any request is sent.
    May block on the network (SSO, STS, instance metadata).
    """
    settings = context.settings
    if settings.access_key_id:
        return
    from s3uploader_gui.core.s3.env_config import EnvironmentConfig

    if isinstance(context.config_source, EnvironmentConfig):
        return  # keys in the environment, which botocore's chain would take first
    from s3uploader_gui.core.aws_config import check_credentials

    session = context.core_session  # botocore's: boto3 is not needed to resolve them
    if settings.aws_profile:
        check_credentials(session, settings.aws_profile)
        return
    if not _chain_has_credentials(session):
        raise MissingCredentials(
            "No credentials were found: choose a profile, or set an access key and secret.",
            code="NoCredentials",
        )
    check_credentials(session, session.profile or "default")


def register_connection_secrets(context: S3Context) -> None:
    """Tell the redaction (log, messages) every secret this connection signs with.

    A saved profile's secret is registered when the keyring gives it; keys that boto3
    resolves itself (``AWS_*`` variables, ``~/.aws`` profiles, a ``credential_process``,
    SSO) are known only here. Refreshable credentials get new ones later: those are
    registered as each refresh returns them.
    """
    from s3uploader_gui.core.logsetup import register_environment_secrets, register_secret

    settings = context.settings
    register_secret(settings.secret_access_key)
    register_secret(settings.session_token)
    register_environment_secrets()
    if settings.access_key_id and settings.secret_access_key:
        return  # the keys the connection names: registered above
    try:
        creds = context.config_source.get_credentials()
        frozen = creds.get_frozen_credentials() if creds is not None else None
    except Exception:  # check_connection_credentials has already said what is wrong
        return
    if frozen is not None:
        register_secret(frozen.secret_key)
        register_secret(frozen.token)
    _register_on_refresh(creds)


def _register_on_refresh(creds: object) -> None:
    """Wrap botocore's refresh callback so that refreshed secrets are registered too.

    ``RefreshableCredentials._refresh_using`` is private but has returned the same
    mapping (access_key, secret_key, token, expiry_time) since botocore 1.x; anything
    else is left as it is.
    """
    from s3uploader_gui.core.logsetup import register_secret

    refresh = getattr(creds, "_refresh_using", None)
    if not callable(refresh) or getattr(refresh, "_registers_secrets", False):
        return

    def refresh_and_register() -> object:
        metadata = refresh()
        if isinstance(metadata, dict):
            register_secret(metadata.get("secret_key"))
            register_secret(metadata.get("token"))
        return metadata

    refresh_and_register._registers_secrets = True  # type: ignore[attr-defined]
    with contextlib.suppress(AttributeError):
        creds._refresh_using = refresh_and_register  # type: ignore[attr-defined]


def _chain_has_credentials(session: botocore.session.Session) -> bool:
    """False only when boto3's chain found nothing; a chain that failed counts as found,
    so that ``check_credentials`` turns its error into the precise message."""
    try:
        return session.get_credentials() is not None
    except Exception:
        return True


def _wait_for_local_volume(
    context: S3Context,
    bucket: str,
    server: LocalServer | None,
    cancel: CancelToken,
    lean: FastPut | None = None,
) -> None:
    """Create the local storage's default bucket; a server that just started answers HTTP
    before its volume is writable, so retry for up to ``LOCAL_VOLUME_WAIT`` seconds.
    ``lean``: the connection's lean sender, which asks whether the bucket exists."""
    from s3uploader_gui.core.objects import bucket_exists, ensure_bucket

    asker: S3Client | None = None
    if lean is not None and lean.serves(bucket):
        asker = cast("S3Client", lean)  # FastPut.head_bucket answers like the client's
    deadline = time.monotonic() + LOCAL_VOLUME_WAIT
    while True:
        try:
            if asker is None or not bucket_exists(asker, bucket):
                ensure_bucket(context.client, bucket)
            return
        except AppError as err:
            server_gone = server is None or not server.running
            if time.monotonic() > deadline or (
                isinstance(err, EndpointUnreachable) and server_gone
            ):
                raise
            log.debug("local storage not ready yet: %s", err)
        if cancel.wait(0.2):
            raise Cancelled()


def _open_journal() -> Journal | None:
    """The transfer journal in the user data directory (None: uploads not journaled)."""
    from s3uploader_gui.core.transfers.journal import Journal

    try:
        journal = Journal()
    except Exception as exc:  # an unreadable journal must not stop the connection
        log.warning("cannot open the transfer journal: %s", exc)
        return None
    try:
        # Finished rows only matter for a while (a week); without this every upload
        # ever made stays in the file and each batch's journal work grows with it.
        journal.prune()
    except Exception as exc:  # a journal that cannot be tidied still journals
        log.info("the transfer journal was not pruned: %s", exc)
    return journal
