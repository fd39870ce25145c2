"""Temporary shim: moved to s3uploader_gui.core.local.info (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.core.local.info import DEFAULT_BUCKET as DEFAULT_BUCKET
from s3uploader_gui.core.local.info import LOCAL_HOST as LOCAL_HOST
from s3uploader_gui.core.local.info import LocalServerInfo as LocalServerInfo
