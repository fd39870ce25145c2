"""Images: safe open, EXIF orientation, fast draft-mode decode, resize, re-encode, metadata.

Everything here is plain Python over Pillow (no Qt), safe to call from many threads at
once: Pillow releases the GIL while it decodes, resamples and encodes, so a thread pool
uses every core. Pillow itself is imported on first use (``pil``), never by importing
this package.

Where each piece lives:

- ``opening``: ``open_image`` (one ``BadImage``/``LocalFileError`` sentence for every
  way a file can fail to be an image) and ``draft``, libjpeg's reduced-scale decode.
- ``orient``, ``resize``, ``colour``: turning pixels upright, to size, to 8-bit sRGB.
- ``metadata``, ``info``: EXIF/XMP reading and stripping; ``read_info`` for a preview.
- ``formats``: what can be read and written (HEIF, AVIF), and the encoder settings.
- ``thumbnails``: the one ``make_thumbnail``; ``thumbcache`` keeps local ones, and
  ``remote_thumbnails`` makes and caches those of objects in a bucket.
- ``options``, ``prepare``, ``blocks``: ``ImageOptions``, ``process_image`` and
  ``ImagePreparer`` (the ``PrepareFn`` for ``TransferEngine.upload``), and the pixel-block
  cache that is on while uploads are being prepared.
- ``changes``, ``rewrite``: what an upload will do to an image (``planned_changes``:
  re-encoded only for a resize, a format change or sRGB; otherwise only its metadata
  rewritten, JPEG segments or PNG/WebP chunks, the coded pixels copied byte for byte).
"""

from __future__ import annotations

from s3uploader_gui.core.imaging.changes import ImageChanges as ImageChanges
from s3uploader_gui.core.imaging.changes import planned_changes as planned_changes
from s3uploader_gui.core.imaging.formats import avif_supported as avif_supported
from s3uploader_gui.core.imaging.formats import heif_supported as heif_supported
from s3uploader_gui.core.imaging.info import ImageInfo as ImageInfo
from s3uploader_gui.core.imaging.info import describe_format as describe_format
from s3uploader_gui.core.imaging.info import megapixels as megapixels
from s3uploader_gui.core.imaging.info import read_info as read_info
from s3uploader_gui.core.imaging.metadata import get_exif as _get_exif
from s3uploader_gui.core.imaging.opening import draft as _draft
from s3uploader_gui.core.imaging.opening import open_image as open_image
from s3uploader_gui.core.imaging.options import MAX_ANIMATION_PIXELS as MAX_ANIMATION_PIXELS
from s3uploader_gui.core.imaging.options import MAX_EDGE_CHOICES as MAX_EDGE_CHOICES
from s3uploader_gui.core.imaging.options import AnimationPolicy as AnimationPolicy
from s3uploader_gui.core.imaging.options import ImageOptions as ImageOptions
from s3uploader_gui.core.imaging.options import MetadataPolicy as MetadataPolicy
from s3uploader_gui.core.imaging.options import OutputFormat as OutputFormat
from s3uploader_gui.core.imaging.orient import orientation_of as _orientation
from s3uploader_gui.core.imaging.orient import transpose as _transpose
from s3uploader_gui.core.imaging.pil import MAX_PIXELS as MAX_PIXELS
from s3uploader_gui.core.imaging.pil import load_pil as load_pil
from s3uploader_gui.core.imaging.prepare import ImagePreparer as ImagePreparer
from s3uploader_gui.core.imaging.prepare import ProcessResult as ProcessResult
from s3uploader_gui.core.imaging.prepare import output_key as output_key
from s3uploader_gui.core.imaging.prepare import prepared_dir as prepared_dir
from s3uploader_gui.core.imaging.prepare import process_image as process_image
from s3uploader_gui.core.imaging.resize import fit as _fit
from s3uploader_gui.core.imaging.resize import resample as _resample
from s3uploader_gui.core.imaging.thumbnails import Thumbnail as Thumbnail
from s3uploader_gui.core.imaging.thumbnails import make_thumbnail as make_thumbnail

# The underscored names above are temporary: benchmarks/bench_images.py times the
# pipeline's steps through them (see RENAMES.txt for their new homes).
__all__ = [
    "MAX_ANIMATION_PIXELS",
    "MAX_EDGE_CHOICES",
    "MAX_PIXELS",
    "AnimationPolicy",
    "ImageChanges",
    "ImageInfo",
    "ImageOptions",
    "ImagePreparer",
    "MetadataPolicy",
    "OutputFormat",
    "ProcessResult",
    "Thumbnail",
    "_draft",
    "_fit",
    "_get_exif",
    "_orientation",
    "_resample",
    "_transpose",
    "avif_supported",
    "describe_format",
    "heif_supported",
    "load_pil",
    "make_thumbnail",
    "megapixels",
    "open_image",
    "output_key",
    "planned_changes",
    "prepared_dir",
    "process_image",
    "read_info",
]
