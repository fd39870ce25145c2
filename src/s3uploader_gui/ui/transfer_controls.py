"""Temporary shim: moved to s3uploader_gui.ui.upload.controls (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.ui.upload.controls import TransferControls as TransferControls
