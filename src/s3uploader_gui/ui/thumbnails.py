"""Temporary shim: moved to s3uploader_gui.ui.browser.thumbnails (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.ui.browser.thumbnails import ThumbnailProvider as ThumbnailProvider
