"""Temporary shim: moved to s3uploader_gui.core.s3.settings and s3uploader_gui.core.s3.client (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.core.s3.client import S3Client as S3Client
from s3uploader_gui.core.s3.client import S3Context as S3Context
from s3uploader_gui.core.s3.client import is_loopback_http as is_loopback_http
from s3uploader_gui.core.s3.client import make_client as make_client
from s3uploader_gui.core.s3.client import make_config as make_config
from s3uploader_gui.core.s3.client import make_session as make_session
from s3uploader_gui.core.s3.client import session_retry_settings as session_retry_settings
from s3uploader_gui.core.s3.settings import DEFAULT_CONCURRENCY as DEFAULT_CONCURRENCY
from s3uploader_gui.core.s3.settings import AddressingStyle as AddressingStyle
from s3uploader_gui.core.s3.settings import ConnectionSettings as ConnectionSettings
