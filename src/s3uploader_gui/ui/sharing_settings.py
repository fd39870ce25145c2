"""The saved choices of the sharing workflow: how long "Copy link" lasts, which link is
copied when an upload ends, and the name of a pasted picture.

The Preferences dialog edits them; the window, the upload pane and the paste handler read
them when they act, so a change applies to the next link or paste without a reload.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

from s3uploader_gui.core.imaging.pasted import DEFAULT_PASTE_TEMPLATE, validate_paste_template
from s3uploader_gui.core.operations.upload_links import UploadLinks
from s3uploader_gui.ui.browser.dialogs import EXPIRY_CHOICES

#: QSettings key of the default lifetime of "Copy link" (seconds).
LINK_EXPIRY_KEY = "share/defaultExpiry"
#: QSettings key of the link copied when an upload ends (an ``UploadLinks`` value).
AFTER_UPLOAD_KEY = "share/afterUpload"
#: QSettings key of the name template of pasted pictures.
PASTE_TEMPLATE_KEY = "paste/nameTemplate"


def default_link_expiry(settings: QSettings) -> int:
    """The lifetime "Copy link" uses, in seconds (1 hour unless the user chose otherwise)."""
    value = settings.value(LINK_EXPIRY_KEY, 3600, type=int)
    allowed = {seconds for _, seconds in EXPIRY_CHOICES}
    return int(value) if value in allowed else 3600


def after_upload_links(settings: QSettings) -> UploadLinks:
    """Which link to copy when an upload ends (off unless the user chose one)."""
    value = str(settings.value(AFTER_UPLOAD_KEY, UploadLinks.OFF.value) or "")
    try:
        return UploadLinks(value)
    except ValueError:
        return UploadLinks.OFF


def paste_template(settings: QSettings) -> str:
    """The name template of pasted pictures (the default when none or a broken one is saved)."""
    value = str(settings.value(PASTE_TEMPLATE_KEY, "") or "")
    if not value or validate_paste_template(value) is not None:
        return DEFAULT_PASTE_TEMPLATE
    return value
