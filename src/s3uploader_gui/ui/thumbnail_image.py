"""Temporary shim: moved to s3uploader_gui.ui.browser.thumbnail_image (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.ui.browser.thumbnail_image import thumbnail_qimage as thumbnail_qimage
