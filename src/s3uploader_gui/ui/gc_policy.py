"""Temporary shim: moved to s3uploader_gui.ui.browser.gc_policy (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.ui.browser.gc_policy import settle as settle
from s3uploader_gui.ui.browser.gc_policy import unsettle as unsettle
