"""The app's current connection: profile, S3 context, transfer engine, local server."""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

import s3uploader_gui.core.operations.connect as connect_op
from s3uploader_gui.core import paths
from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.credentials import CredentialStore
from s3uploader_gui.core.errors import AppError
from s3uploader_gui.core.operations.connect import Connection as Connection  # re-exported
from s3uploader_gui.core.profiles import LOCAL_PROFILE, Profile, ProfileStore
from s3uploader_gui.ui.workers import WorkerPool

if TYPE_CHECKING:
    from s3uploader_gui.core.local.server import LocalServer

log = logging.getLogger(__name__)


class Session(QObject):
    """Connects to a profile in the background and owns what that takes.

    The connection itself is opened by ``core.operations.connect.open_connection`` on a
    worker; the session keeps the current one, the local server it may need, and a
    generation counter so that only the latest request is adopted.

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
        self._cancel: CancelToken | None = None
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
        """Connect to ``profile`` in a worker; ``connected`` or ``connectionFailed`` follows.

        A connection still being opened for an earlier request is cancelled: its wait for
        the local storage stops, and whatever it returns is closed, not adopted.
        """
        self._generation += 1
        generation = self._generation
        if self._cancel is not None:
            self._cancel.cancel()
        self._cancel = cancel = CancelToken()
        self.connecting.emit(profile.name)
        server = self._ensure_local_server_object() if profile.is_local else None
        self._pool.call(
            functools.partial(
                connect_op.open_connection,
                profile,
                credentials=self.credentials,
                local_server=server,
                journal=True,
                cancel=cancel,
            ),
            functools.partial(self._on_opened, generation=generation),
            functools.partial(self._on_open_failed, generation=generation),
            name="connect",
            cancel=cancel,
        )

    def profiles_edited(self, renamed: dict[str, str] | None = None) -> None:
        """Profiles changed (the dialog closed): follow an edit or deletion of the current one.

        The current connection is reopened when its profile was changed (or renamed: old
        name to new in ``renamed``), and replaced by the local storage when it was deleted.
        """
        current = self.connection.profile if self.connection is not None else None
        if current is None or current.is_local:
            return
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
        if self._cancel is not None:
            self._cancel.cancel()
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        if self._local_server is not None:
            self._local_server.stop()
            self._local_server = None

    # -- internals --------------------------------------------------------------------
    def _ensure_local_server_object(self) -> LocalServer:
        if self._local_server is None:
            # Loaded on the first local connection, not at start-up (subprocess and friends);
            # the worker starts it.
            from s3uploader_gui.core.local.server import LocalServer

            self._local_server = LocalServer(paths.local_storage_dir())
        return self._local_server

    def _replace(self, connection: Connection) -> None:
        old, self.connection = self.connection, connection
        if old is not None and old.engine is not connection.engine:
            old.close()
        self.connected.emit(connection)

    def _on_opened(self, connection: Connection, *, generation: int) -> None:
        if generation != self._generation or self._closed:
            connection.close()  # the user picked another profile meanwhile
            return
        profile = connection.profile
        try:
            self.profiles.last_used = "" if profile is None or profile.is_local else profile.name
        except (AppError, OSError) as exc:
            log.warning("cannot remember the last profile: %s", exc)
        self._replace(connection)

    def _on_open_failed(self, err: AppError, *, generation: int) -> None:
        if generation != self._generation or self._closed:
            log.info("an earlier connection attempt ended: %s", err)
            return
        self.connectionFailed.emit(err)
