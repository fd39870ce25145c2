"""Fixtures for widget tests: isolated QSettings, the app's translations, a window on SeaweedFS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings

from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.profiles import Profile, ProfileKind
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.ui.i18n import install_translations
from s3uploader_gui.ui.main_window import MainWindow
from s3uploader_gui.ui.session import Connection
from tests.conftest import seaweed_settings


@pytest.fixture(scope="session", autouse=True)
def qt_settings_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """QSettings write under a temporary directory, never the developer's own."""
    path = tmp_path_factory.mktemp("qsettings")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(path))
    QCoreApplication.setOrganizationName("s3uploader-gui-tests")
    QCoreApplication.setApplicationName("s3uploader-gui-tests")
    return path


@pytest.fixture(autouse=True)
def restore_settings(qt_settings_dir: Path) -> Iterator[None]:
    """Every setting a test changes (remembered options, transfer preferences, the
    autostart box) is put back afterwards: the next test starts as the last one did."""
    settings = QSettings()
    saved = {key: settings.value(key) for key in settings.allKeys()}
    yield
    settings = QSettings()
    settings.clear()
    for key, value in saved.items():
        settings.setValue(key, value)
    settings.sync()


@pytest.fixture(scope="session", autouse=True)
def qt_translations(qapp: QCoreApplication) -> None:
    """The app's translations, as app.main installs them: "1 file", not "1 file(s)"."""
    install_translations(qapp)


def seaweed_connection(info: LocalServerInfo, bucket: str) -> Connection:
    """A ready Connection to the session SeaweedFS, with ``bucket`` as the default."""
    context = S3Context(seaweed_settings(info))
    profile = Profile(
        name="Test SeaweedFS",
        kind=ProfileKind.S3_COMPATIBLE,
        endpoint_url=info.endpoint_url,
        default_bucket=bucket,
    )
    return Connection(profile, context, TransferEngine(context))


@pytest.fixture
def window(qtbot, seaweed: LocalServerInfo, seaweed_bucket: str) -> Iterator[MainWindow]:
    """A shown main window connected to SeaweedFS with a fresh bucket as destination."""
    win = MainWindow()
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.browser_pane.model.bucketsLoaded, timeout=10000):
        win.session.use_connection(seaweed_connection(seaweed, seaweed_bucket))
    win.upload_pane.bucket_combo.setCurrentText(seaweed_bucket)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.shutdown()
    qtbot.waitUntil(lambda: win.pool.active == 0, timeout=10000)
