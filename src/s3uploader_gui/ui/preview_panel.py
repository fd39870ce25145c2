"""Temporary shim: moved to s3uploader_gui.ui.upload.preview_panel (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.ui.upload.preview_panel import PreviewPanel as PreviewPanel
