"""How a CLI run connects: the profile from ``--profile`` (none: boto3's standard chain,
``local``: the embedded local storage, started for the run), the overrides from
``--endpoint-url``/``--region``, and the bucket check that ends a run early.

The connection itself is opened by ``core.operations.connect.open_connection``, the same
function the window uses: the same SSO pre-check, the same wait for a local volume.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from s3uploader_gui.core.credentials import CredentialStore
    from s3uploader_gui.core.errors import AppError
    from s3uploader_gui.core.local.server import LocalServer
    from s3uploader_gui.core.operations.connect import Connection
    from s3uploader_gui.core.profiles import Profile
    from s3uploader_gui.core.s3.client import S3Client, S3Context
    from s3uploader_gui.core.s3.fastput import FastPut


def config_error(message: str) -> AppError:
    """A ``ConfigError`` (exit 2) for a usage or configuration mistake."""
    from s3uploader_gui.core.errors import ConfigError

    return ConfigError(message)


def chosen_profile(args: argparse.Namespace) -> Profile | None:
    """The profile ``--profile`` names (``local`` is the local storage); None without it."""
    if not args.profile:
        return None
    from s3uploader_gui.core.profiles import ProfileStore

    return ProfileStore().get(args.profile)


def is_local_profile(name: str | None) -> bool:
    """True when ``--profile`` names the embedded local storage."""
    if not name:
        return False
    from s3uploader_gui.core.profiles import ProfileStore

    return ProfileStore().get(name).is_local


@contextmanager
def open_run_connection(args: argparse.Namespace) -> Iterator[Connection]:
    """The connection for this run, closed at its end; with ``--profile local`` the
    embedded server runs for the run and is stopped afterwards."""
    from s3uploader_gui.core.cancel import CancelToken
    from s3uploader_gui.core.operations.connect import check_endpoint_url, open_connection

    check_endpoint_url(args.endpoint_url)  # before a profile or the keyring is read
    profile = chosen_profile(args)
    server: LocalServer | None = None
    credentials: CredentialStore | None = None
    if profile is not None:  # the keyring holds saved profiles' secrets, nothing else
        from s3uploader_gui.core.credentials import CredentialStore

        credentials = CredentialStore()
    if profile is not None and profile.is_local:
        from s3uploader_gui.core import paths
        from s3uploader_gui.core.local.server import LocalServer

        server = LocalServer(paths.local_storage_dir())
    try:
        connection = open_connection(
            profile,
            endpoint_url=args.endpoint_url,
            region=args.region,
            credentials=credentials,
            local_server=server,
            cancel=CancelToken(),
            prepare_client=False,  # built on first use: the lean path may never need it
        )
        try:
            yield connection
        finally:
            connection.close()
    finally:
        if server is not None:
            server.stop()


@contextmanager
def open_context(args: argparse.Namespace) -> Iterator[S3Context]:
    """The ``S3Context`` of this run's connection (see ``open_run_connection``)."""
    with open_run_connection(args) as connection:
        yield connection.context


class BucketCheck:
    """``require_bucket`` on a thread of its own, started before other work (the scan of
    the files to upload) so that the server's answer is on its way meanwhile.

    ``result`` waits for it and raises exactly what ``require_bucket`` would have; a
    check that is never asked for its result (the run stopped first) changes nothing.
    """

    def __init__(
        self, client: S3Client | S3Context, bucket: str, *, lean: FastPut | None = None
    ) -> None:
        import threading

        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(client, bucket, lean), name="bucket-check", daemon=True
        )
        self._thread.start()

    def _run(self, client: S3Client | S3Context, bucket: str, lean: FastPut | None) -> None:
        try:
            require_bucket(client, bucket, lean=lean)
        except BaseException as exc:  # raised on the caller's thread by result()
            self._error = exc

    def result(self) -> None:
        """Wait for the check; raise what ``require_bucket`` raised."""
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error


def require_bucket(
    client: S3Client | S3Context, bucket: str, *, lean: FastPut | None = None
) -> None:
    """Fail the whole run (exit 2) with one line when ``bucket`` does not exist.

    ``client``: a client, or the connection's context (its client is built only when
    needed); with ``lean`` (the connection's lean sender) the check is its HEAD.
    """
    from s3uploader_gui.core.errors import AccessDenied, BucketNotFound
    from s3uploader_gui.core.s3.buckets import bucket_exists
    from s3uploader_gui.core.s3.client import S3Context

    def real() -> S3Client:
        return client.client if isinstance(client, S3Context) else client

    try:
        if lean is not None and lean.serves(bucket):
            # FastPut.head_bucket answers (and refuses) like the client's.
            exists = bucket_exists(cast("S3Client", lean), bucket)
        else:
            exists = bucket_exists(real(), bucket)
    except AccessDenied:
        # HEAD answers carry no error code: a wrong secret and a policy without
        # s3:ListBucket both come back as a bare 403. A listing's error body tells them
        # apart (SignatureDoesNotMatch is fatal and propagates).
        # A 403 here too is a real permission matter: each item tries (and reports) alone.
        from s3uploader_gui.core.s3.listing import list_page

        with contextlib.suppress(AccessDenied):
            list_page(real(), bucket, "", page_size=1)
        return
    if not exists:
        raise BucketNotFound(f"The bucket “{bucket}” does not exist.", code="NoSuchBucket")
