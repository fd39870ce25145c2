"""Temporary shim: moved to s3uploader_gui.core.imaging.remote_thumbnails (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.core.imaging.remote_thumbnails import DEFAULT_EDGE as DEFAULT_EDGE
from s3uploader_gui.core.imaging.remote_thumbnails import DEFAULT_MAX_BYTES as DEFAULT_MAX_BYTES
from s3uploader_gui.core.imaging.remote_thumbnails import EXIF_PROBE_BYTES as EXIF_PROBE_BYTES
from s3uploader_gui.core.imaging.remote_thumbnails import MAX_PIXELS as MAX_PIXELS
from s3uploader_gui.core.imaging.remote_thumbnails import MiB as MiB
from s3uploader_gui.core.imaging.remote_thumbnails import ThumbRequest as ThumbRequest
from s3uploader_gui.core.imaging.remote_thumbnails import cache_path as cache_path
from s3uploader_gui.core.imaging.remote_thumbnails import (
    embedded_jpeg_thumbnail as embedded_jpeg_thumbnail,
)
from s3uploader_gui.core.imaging.remote_thumbnails import fetch_thumbnail as fetch_thumbnail
from s3uploader_gui.core.imaging.remote_thumbnails import read_cached as read_cached
from s3uploader_gui.core.imaging.remote_thumbnails import (
    thumbnail_cache_dir as thumbnail_cache_dir,
)
