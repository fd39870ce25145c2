"""What an upload will do to an image: ``ImageChanges``, decided in one place.

Originals stay originals: with no resize, no format change and no sRGB conversion the
coded pixels are never re-encoded. The EXIF orientation then stays a tag (viewers turn
the picture), and GPS or all metadata is removed by rewriting the metadata segments or
chunks only (``rewrite``). Only a resize, a format change or an sRGB conversion makes
``prepare.process_image`` decode and encode the pixels again (turned upright then, with
orientation 1).

``changes_for`` decides from an ``ImageInfo`` without opening the file, so the preview
panel can say what will happen to the selected file from the info it already has;
``process_image`` follows the same decision, and ``planned_changes`` reads the info of a
file first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from s3uploader_gui.core.imaging.formats import ANIMATED_FORMATS, output_format
from s3uploader_gui.core.imaging.info import ImageInfo, read_info
from s3uploader_gui.core.imaging.options import (
    MAX_ANIMATION_PIXELS,
    AnimationPolicy,
    ImageOptions,
    MetadataPolicy,
)
from s3uploader_gui.core.imaging.resize import fit
from s3uploader_gui.core.imaging.rewrite import REWRITABLE

#: Input formats whose pictures are written as another format without re-encoding: a
#: JPEG holding several pictures (Pillow says MPO) is uploaded as its first, a JPEG.
_SAME_CODED_AS = {"MPO": "JPEG"}
_LOSSY = frozenset({"JPEG", "WEBP", "AVIF"})


@dataclass(frozen=True)
class ImageChanges:
    """What uploading an image with some ``ImageOptions`` does to it.

    ``width``×``height`` is the uploaded picture's size as displayed (upright).
    ``quality`` is the encoder quality when the pixels are re-encoded lossily, None when
    they are not re-encoded, written losslessly (PNG, GIF, TIFF), or re-encoded as a
    JPEG with the original's quantisation tables (same size and format).
    """

    in_format: str
    out_format: str
    width: int
    height: int
    will_resize: bool = False
    #: The output format differs from the original's.
    will_convert: bool = False
    will_convert_srgb: bool = False
    #: The pixels are decoded and encoded again (only for a resize, a format change or
    #: an sRGB conversion, or a format whose metadata cannot be rewritten in place).
    will_reencode: bool = False
    will_strip_gps: bool = False
    #: "Strip all metadata" removes something (the orientation tag and the colour
    #: profile stay when the pixels are not re-encoded).
    will_strip_metadata: bool = False
    #: The original's EXIF orientation (not 1) stays a tag: the pixels are not turned.
    keeps_orientation_tag: bool = False
    quality: int | None = None

    @property
    def rewrites_metadata(self) -> bool:
        """Only the metadata is rewritten; the coded pixels are copied byte for byte."""
        return not self.will_reencode and (self.will_strip_gps or self.will_strip_metadata)

    @property
    def unchanged(self) -> bool:
        """The file is uploaded exactly as it is."""
        return not self.will_reencode and not self.rewrites_metadata


def changes_for(info: ImageInfo, options: ImageOptions) -> ImageChanges:
    """What uploading the image described by ``info`` with ``options`` does to it."""
    fmt = info.format
    size = (info.width, info.height)
    animated = info.frames > 1 and fmt in ANIMATED_FORMATS
    out_format = output_format(fmt, options, animated=animated)
    target = fit(size, options.max_edge) if options.max_edge else size
    resize = target != size
    convert = out_format != _SAME_CODED_AS.get(fmt, fmt)
    srgb = bool(options.to_srgb and info.has_icc and not info.icc_srgb)
    policy = options.metadata
    strip_gps = policy is not MetadataPolicy.KEEP and info.has_gps
    strip_all = policy is MetadataPolicy.STRIP_ALL and info.has_metadata
    turned = info.orientation != 1
    as_is = ImageChanges(fmt, fmt, *size, keeps_orientation_tag=turned)
    if animated:
        too_big = info.frames * info.width * info.height > MAX_ANIMATION_PIXELS
        if options.animation is AnimationPolicy.KEEP or too_big:
            return as_is
        srgb = False  # animations are resized frame by frame, their colours left alone
        if resize or convert:
            # Frames are written without metadata.
            return ImageChanges(
                fmt,
                out_format,
                *target,
                will_resize=resize,
                will_convert=convert,
                will_reencode=True,
                will_strip_gps=info.has_gps,
                will_strip_metadata=info.has_metadata,
                quality=options.quality if out_format in _LOSSY else None,
            )
        if not (strip_gps or strip_all) or fmt not in REWRITABLE:
            return as_is
    reencode = resize or convert or srgb
    if not reencode:
        if not (strip_gps or strip_all):
            return as_is
        if fmt not in REWRITABLE:
            reencode = True  # TIFF, GIF…: their metadata is written with new pixels
    if not reencode:
        return ImageChanges(
            fmt,
            out_format,
            *size,
            will_strip_gps=strip_gps,
            will_strip_metadata=strip_all,
            keeps_orientation_tag=turned,
        )
    same_jpeg = out_format == "JPEG" and not resize and not convert
    quality = options.quality if out_format in _LOSSY and not same_jpeg else None
    return ImageChanges(
        fmt,
        out_format,
        *target,
        will_resize=resize,
        will_convert=convert,
        will_convert_srgb=srgb,
        will_reencode=True,
        will_strip_gps=strip_gps,
        will_strip_metadata=strip_all,
        quality=quality,
    )


def planned_changes(path: str | os.PathLike[str], options: ImageOptions) -> ImageChanges:
    """What uploading the image at ``path`` with ``options`` will do to it.

    Reads the header and metadata only (no pixels). Raises ``BadImage``/
    ``LocalFileError`` like ``open_image``.
    """
    return changes_for(read_info(path), options)
