"""Temporary shim: moved to s3uploader_gui.core.s3.fastput and s3uploader_gui.core.s3.fastput_setup (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.core.s3.fastput import FastPut as FastPut
from s3uploader_gui.core.s3.fastput import Handler as Handler
from s3uploader_gui.core.s3.fastput import Request as Request
from s3uploader_gui.core.s3.fastput import headers_for as headers_for
from s3uploader_gui.core.s3.fastput_setup import explicit_keys as explicit_keys
from s3uploader_gui.core.s3.fastput_setup import for_client as for_client
from s3uploader_gui.core.s3.fastput_setup import for_settings as for_settings
from s3uploader_gui.core.s3.http import Body as Body
from s3uploader_gui.core.s3.signing import Credentials as Credentials
