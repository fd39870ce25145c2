"""Temporary shim: moved to s3uploader_gui.core.imaging.thumbcache (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.core.imaging.thumbcache import ThumbnailCache as ThumbnailCache
from s3uploader_gui.core.imaging.thumbcache import thumbnail_dir as thumbnail_dir
