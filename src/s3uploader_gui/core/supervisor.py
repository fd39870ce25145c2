"""Temporary shim: moved to s3uploader_gui.core.local.supervisor (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.core.local.supervisor import GRACE_SECONDS as GRACE_SECONDS
from s3uploader_gui.core.local.supervisor import SUPERVISOR_FLAG as SUPERVISOR_FLAG
from s3uploader_gui.core.local.supervisor import main as main
