"""How a CLI run connects: settings from ``--profile`` or boto3's chain, the connection
(with the embedded local server for ``--profile local``) and the bucket check that ends a
run early.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from s3uploader_gui.core.errors import AppError
    from s3uploader_gui.core.s3client import ConnectionSettings, S3Client, S3Context


def _check_endpoint(url: str | None) -> None:
    if url is not None and not url.startswith(("http://", "https://")):
        raise config_error(f"“{url}” is not an endpoint URL: write http(s)://HOST[:PORT].")


def config_error(message: str) -> AppError:
    """A ``ConfigError`` (exit 2) for a usage or configuration mistake."""
    from s3uploader_gui.core.errors import ConfigError

    return ConfigError(message)


def resolve_settings(args: argparse.Namespace) -> ConnectionSettings:
    """ConnectionSettings for a non-local run: boto3's standard chain, or ``--profile``."""
    from s3uploader_gui.core.credentials import CredentialStore
    from s3uploader_gui.core.errors import AppError, ConfigError
    from s3uploader_gui.core.profiles import ProfileStore, connection_settings
    from s3uploader_gui.core.s3client import ConnectionSettings

    _check_endpoint(args.endpoint_url)
    if not args.profile:
        # Everything else (keys, region, AWS_ENDPOINT_URL_S3, ~/.aws) comes from boto3.
        return ConnectionSettings(endpoint_url=args.endpoint_url, region=args.region)
    profile = ProfileStore().get(args.profile)
    try:
        settings = connection_settings(profile, credentials=CredentialStore())
    except ConfigError:
        raise
    except AppError as err:  # e.g. KeyringUnavailable: the configuration cannot work
        raise ConfigError(err.message, code=err.code) from err
    overrides = {
        name: value
        for name, value in (("endpoint_url", args.endpoint_url), ("region", args.region))
        if value
    }
    return dataclasses.replace(settings, **overrides) if overrides else settings


def is_local_profile(name: str | None) -> bool:
    """True when ``--profile`` names the embedded local storage."""
    if not name:
        return False
    from s3uploader_gui.core.profiles import ProfileStore

    return ProfileStore().get(name).is_local


@contextmanager
def open_context(args: argparse.Namespace) -> Iterator[S3Context]:
    """The connection for this run; with ``--profile local`` the embedded server runs inside."""
    from s3uploader_gui.core.s3client import S3Context

    if not is_local_profile(args.profile):
        yield S3Context(resolve_settings(args))
        return
    from s3uploader_gui.core import paths
    from s3uploader_gui.core.local_server import DEFAULT_BUCKET, LocalServer
    from s3uploader_gui.core.objects import ensure_bucket
    from s3uploader_gui.core.profiles import LOCAL_PROFILE, connection_settings

    if args.endpoint_url or args.region:
        raise config_error("--endpoint-url and --region cannot be used with the local storage.")
    server = LocalServer(paths.local_storage_dir())
    info = server.start()  # ConfigError when the GUI holds the data directory
    try:
        context = S3Context(connection_settings(LOCAL_PROFILE, local=info))
        ensure_bucket(context.client, DEFAULT_BUCKET)
        yield context
    finally:
        server.stop()


def require_bucket(client: S3Client, bucket: str) -> None:
    """Fail the whole run (exit 2) with one line when ``bucket`` does not exist."""
    from s3uploader_gui.core.errors import AccessDenied, BucketNotFound
    from s3uploader_gui.core.listing import list_page
    from s3uploader_gui.core.objects import bucket_exists

    try:
        exists = bucket_exists(client, bucket)
    except AccessDenied:
        # HEAD answers carry no error code: a wrong secret and a policy without
        # s3:ListBucket both come back as a bare 403. A listing's error body tells them
        # apart (SignatureDoesNotMatch is fatal and propagates).
        # A 403 here too is a real permission matter: each item tries (and reports) alone.
        with contextlib.suppress(AccessDenied):
            list_page(client, bucket, "", page_size=1)
        return
    if not exists:
        raise BucketNotFound(f"The bucket “{bucket}” does not exist.", code="NoSuchBucket")
