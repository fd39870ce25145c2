"""Temporary shim: moved to s3uploader_gui.ui.upload.queue_model, s3uploader_gui.ui.upload.queue_view (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.ui.upload.queue_model import Column as Column
from s3uploader_gui.ui.upload.queue_model import QueueItem as QueueItem
from s3uploader_gui.ui.upload.queue_model import Role as Role
from s3uploader_gui.ui.upload.queue_model import UploadQueueModel as UploadQueueModel
from s3uploader_gui.ui.upload.queue_view import ProgressDelegate as ProgressDelegate
