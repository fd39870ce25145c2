"""Preferences: defaults saved at once, shown in the window, used by the actions."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QSettings

from s3uploader_gui.ui.main_window import MainWindow
from s3uploader_gui.ui.preferences_dialog import LINK_EXPIRY_KEY, default_link_expiry
from tests.ui.test_main_window import wait_for_node


def test_link_expiry_default_is_used_by_copy_link(
    qtbot, window: MainWindow, seaweed_context, seaweed_bucket
):
    seaweed_context.client.put_object(Bucket=seaweed_bucket, Key="doc.txt", Body=b"d")
    window.show_preferences()
    dialog = window.preferences_dialog
    assert dialog is not None
    dialog.expiry_combo.setCurrentIndex(dialog.expiry_combo.findData(86400))
    dialog.accept()
    assert QSettings().value(LINK_EXPIRY_KEY, type=int) == 86400
    assert default_link_expiry(QSettings()) == 86400
    pane = window.browser_pane
    # The first listing may still be under way (and predate doc.txt): wait, then refresh.
    qtbot.waitUntil(lambda: pane.current_node.fetched and not pane.model.loading, timeout=10000)
    pane.refresh()
    node = wait_for_node(qtbot, window, seaweed_bucket, "doc.txt")
    pane.select_nodes([node])
    with qtbot.waitSignal(pane.linkCopied, timeout=10000) as blocker:
        window.act_copy_link.trigger()
    assert "X-Amz-Expires=86400" in blocker.args[0]
    QSettings().remove(LINK_EXPIRY_KEY)


def test_image_defaults_and_autostart_reach_the_upload_pane(qtbot, window: MainWindow):
    before_autostart = window.upload_pane.autostart_box.isChecked()
    window.show_preferences()
    dialog = window.preferences_dialog
    options = dialog.image_options
    options.set_options(replace(options.options(), max_edge=1280))
    dialog.autostart_box.setChecked(not before_autostart)
    dialog.accept()
    assert window.upload_pane.image_options.options().max_edge == 1280
    assert window.upload_pane.autostart_box.isChecked() is (not before_autostart)
    window.upload_pane.autostart_box.setChecked(before_autostart)
    window.upload_pane.image_options.set_options(replace(options.options(), max_edge=None))


def test_invalid_stored_expiry_falls_back_to_one_hour():
    settings = QSettings()
    settings.setValue(LINK_EXPIRY_KEY, 12345)
    assert default_link_expiry(settings) == 3600
    settings.remove(LINK_EXPIRY_KEY)
