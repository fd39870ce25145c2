"""Temporary shim: moved to s3uploader_gui.ui.upload.transfer_settings (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.ui.upload.transfer_settings import STORAGE_CLASSES as STORAGE_CLASSES
from s3uploader_gui.ui.upload.transfer_settings import TransferPrefs as TransferPrefs
from s3uploader_gui.ui.upload.transfer_settings import (
    TransferSettingsDialog as TransferSettingsDialog,
)
