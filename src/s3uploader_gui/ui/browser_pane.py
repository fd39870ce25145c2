"""Temporary shim: moved to s3uploader_gui.ui.browser.pane (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.ui.browser.dialogs import EXPIRY_CHOICES as EXPIRY_CHOICES
from s3uploader_gui.ui.browser.pane import BrowserPane as BrowserPane
