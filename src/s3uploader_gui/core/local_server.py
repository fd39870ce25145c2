"""Temporary shim: moved to s3uploader_gui.core.local.server (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.core.local.info import DEFAULT_BUCKET as DEFAULT_BUCKET
from s3uploader_gui.core.local.info import LOCAL_HOST as LOCAL_HOST
from s3uploader_gui.core.local.info import LocalServerInfo as LocalServerInfo
from s3uploader_gui.core.local.server import LocalServer as LocalServer
from s3uploader_gui.core.local.server import _weed_args as _weed_args
from s3uploader_gui.core.local.server import find_weed as find_weed
from s3uploader_gui.core.local.server import free_port as free_port
from s3uploader_gui.core.local.server import supervisor_command as supervisor_command
