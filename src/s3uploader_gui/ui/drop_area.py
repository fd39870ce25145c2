"""Temporary shim: moved to s3uploader_gui.ui.upload.drop_area (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.ui.upload.drop_area import DropArea as DropArea
from s3uploader_gui.ui.upload.drop_area import local_paths as local_paths
