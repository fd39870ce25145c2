"""The app's current connection: profile, S3 context, transfer engine, local server."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from s3uploader_gui.core import paths
from s3uploader_gui.core.aws_config import check_credentials
from s3uploader_gui.core.credentials import CredentialStore
from s3uploader_gui.core.errors import AppError, EndpointUnreachable
from s3uploader_gui.core.objects import ensure_bucket
from s3uploader_gui.core.profiles import LOCAL_PROFILE, Profile, ProfileStore, connection_settings
from s3uploader_gui.core.s3client import S3Context
from s3uploader_gui.core.transfers import TransferEngine
from s3uploader_gui.ui.workers import WorkerPool

if TYPE_CHECKING:
    from s3uploader_gui.core.local_server import LocalServer
    from s3uploader_gui.core.transfer_queue import Journal

log = logging.getLogger(__name__)


@dataclass
class Connection:
    """A ready connection: what the window works with."""

    profile: Profile
    context: S3Context
    engine: TransferEngine

    @property
    def label(self) -> str:
        return self.profile.name


class Session(QObject):
    """Connects to a profile in the background and owns what that takes.

    Signals:
        connecting(str): a connection to the named profile has started.
        connected(object): a ``Connection`` is ready.
        connectionFailed(object): an ``AppError`` explaining why it is not.
    """

    connecting = Signal(str)
    connected = Signal(object)
    connectionFailed = Signal(object)

    def __init__(self, pool: WorkerPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool
        self.profiles = ProfileStore()
        self.credentials = CredentialStore()
        self.connection: Connection | None = None
        self._local_server: LocalServer | None = None
        self._generation = 0
        self._closed = False

    # -- public -----------------------------------------------------------------------
    def available_profiles(self) -> list[Profile]:
        """The local storage profile first, then the saved ones."""
        try:
            saved = self.profiles.list()
        except AppError as err:
            log.warning("cannot read profiles: %s", err)
            saved = []
        return [LOCAL_PROFILE, *saved]

    def initial_profile(self) -> Profile:
        """The last profile used, or local storage when none is configured."""
        try:
            last = self.profiles.last_used
            if last:
                return self.profiles.get(last)
        except AppError:
            pass
        return LOCAL_PROFILE

    def connect_profile(self, profile: Profile) -> None:
        """Connect to ``profile`` in a worker; ``connected`` or ``connectionFailed`` follows."""
        self._generation += 1
        self.connecting.emit(profile.name)
        server = self._ensure_local_server_object() if profile.is_local else None
        self._pool.run(
            _open_connection,
            profile,
            server,
            self.credentials,
            self._generation,
            on_result=self._on_opened,
            on_failed=self._on_open_failed,
            name="connect",
        )

    def profiles_edited(self, renamed: dict[str, str] | None = None) -> None:
        """Profiles changed (the dialog closed): follow an edit or deletion of the current one.

        The current connection is reopened when its profile was changed (or renamed: old
        name to new in ``renamed``), and replaced by the local storage when it was deleted.
        """
        if self.connection is None or self.connection.profile.is_local:
            return
        current = self.connection.profile
        try:
            saved = {p.name: p for p in self.profiles.list()}
        except AppError as err:
            log.warning("cannot read profiles: %s", err)
            return
        updated = saved.get((renamed or {}).get(current.name, current.name))
        if updated is None:
            self.connect_profile(LOCAL_PROFILE)
        elif updated != current:
            self.connect_profile(updated)

    def use_connection(self, connection: Connection) -> None:
        """Adopt a ready connection (tests, or a connection made elsewhere)."""
        self._generation += 1
        self._replace(connection)

    def shutdown(self) -> None:
        """Close the engine and stop the local server (blocks briefly; call at quit)."""
        self._closed = True
        if self.connection is not None:
            self.connection.engine.close()
            self.connection = None
        if self._local_server is not None:
            self._local_server.stop()
            self._local_server = None

    # -- internals --------------------------------------------------------------------
    def _ensure_local_server_object(self) -> LocalServer:
        if self._local_server is None:
            # Loaded here, on a worker thread: subprocess and friends are not start-up work.
            from s3uploader_gui.core.local_server import LocalServer

            self._local_server = LocalServer(paths.local_storage_dir())
        return self._local_server

    def _replace(self, connection: Connection) -> None:
        old, self.connection = self.connection, connection
        if old is not None and old.engine is not connection.engine:
            old.engine.close()
        self.connected.emit(connection)

    @Slot(object)
    def _on_opened(self, value: object) -> None:
        connection, generation = value  # type: ignore[misc]
        if generation != self._generation or self._closed:
            connection.engine.close()  # the user picked another profile meanwhile
            return
        try:
            self.profiles.last_used = "" if connection.profile.is_local else connection.profile.name
        except (AppError, OSError) as exc:
            log.warning("cannot remember the last profile: %s", exc)
        self._replace(connection)

    @Slot(object)
    def _on_open_failed(self, err: object) -> None:
        self.connectionFailed.emit(err)


def _open_connection(
    profile: Profile,
    server: LocalServer | None,
    credentials: CredentialStore,
    generation: int,
) -> tuple[Connection, int]:
    """Worker body: start the local server if needed, resolve secrets, build the client."""
    local_info = server.start() if server is not None else None
    settings = connection_settings(profile, credentials=credentials, local=local_info)
    context = S3Context(settings)
    if settings.aws_profile and not settings.access_key_id:
        # Resolve SSO/assume-role now: "run aws sso login --profile X" beats a vague 403.
        check_credentials(context.session, settings.aws_profile)
    client = context.client  # building it is slow (botocore loads its data files)
    if profile.is_local:
        # The server answers HTTP before its volume is writable; give it a few seconds.
        deadline = time.monotonic() + 20
        while True:
            try:
                ensure_bucket(client, profile.default_bucket)
                break
            except AppError as err:
                if time.monotonic() > deadline or (
                    isinstance(err, EndpointUnreachable) and (server is None or not server.running)
                ):
                    raise
                time.sleep(0.2)
    engine = TransferEngine(context, journal=_journal())
    _ = engine.fast  # its modules load here, not in the first upload next to the window
    return Connection(profile, context, engine), generation


def _journal() -> Journal | None:
    """The transfer journal in the user data directory (None: uploads not journaled)."""
    from s3uploader_gui.core.transfer_queue import Journal  # sqlite3: after the window shows

    try:
        return Journal()
    except Exception as exc:  # an unreadable journal must not stop the app from connecting
        log.warning("cannot open the transfer journal: %s", exc)
        return None
