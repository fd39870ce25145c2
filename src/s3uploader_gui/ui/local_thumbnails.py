"""Temporary shim: moved to s3uploader_gui.ui.upload.local_thumbnails (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.ui.upload.local_thumbnails import PREVIEW_SIZE as PREVIEW_SIZE
from s3uploader_gui.ui.upload.local_thumbnails import QUEUE_THUMB_SIZE as QUEUE_THUMB_SIZE
from s3uploader_gui.ui.upload.local_thumbnails import WARM_UP_DELAY_MS as WARM_UP_DELAY_MS
from s3uploader_gui.ui.upload.local_thumbnails import LocalThumbnailLoader as LocalThumbnailLoader
from s3uploader_gui.ui.upload.local_thumbnails import QueueThumbnails as QueueThumbnails
