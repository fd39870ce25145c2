"""Turning a source image into the file to upload: ``process_image`` and ``ImagePreparer``.

``process_image`` applies ``ImageOptions`` (fit to a maximum edge, output format and
quality, metadata policy, sRGB, JPEG background, animation policy) and writes the result
to a new file; the original is never modified. What it does follows
``changes.changes_for``: without a resize, a format change or an sRGB conversion the
coded pixels are copied and only the metadata is rewritten. ``ImagePreparer`` is a
``PrepareFn`` for ``TransferEngine.upload``: it turns each image source into a temporary
file with the right key, size and Content-Type.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import IO, Any

from s3uploader_gui.core import paths
from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import BadImage, translate
from s3uploader_gui.core.imaging.blocks import BLOCKS
from s3uploader_gui.core.imaging.changes import changes_for
from s3uploader_gui.core.imaging.colour import (
    flatten_alpha,
    flatten_palette,
    icc_to_srgb,
    srgb_profile,
    to_8bit,
)
from s3uploader_gui.core.imaging.formats import ANIMATED_FORMATS, FORMAT_INFO, save_kwargs
from s3uploader_gui.core.imaging.info import info_from
from s3uploader_gui.core.imaging.metadata import get_exif, metadata_for
from s3uploader_gui.core.imaging.opening import Box, draft, load_pixels, name_of, open_image
from s3uploader_gui.core.imaging.options import ImageOptions
from s3uploader_gui.core.imaging.orient import orientation_of, transpose
from s3uploader_gui.core.imaging.pil import Image, ImageSequence
from s3uploader_gui.core.imaging.resize import fit, resample
from s3uploader_gui.core.imaging.rewrite import rewrite_metadata
from s3uploader_gui.core.naming import UploadSource, content_type_for, is_image_name


@dataclass(frozen=True)
class ProcessResult:
    """What ``process_image`` wrote (or that nothing needed doing)."""

    #: False when the file can be uploaded as it is (``path`` is then the original).
    changed: bool
    path: Path
    format: str
    extension: str
    content_type: str
    size: int
    width: int = 0
    height: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: The pixels were decoded and encoded again (False: the original's coded pixels,
    #: with only the metadata rewritten, or the original itself).
    reencoded: bool = False


def _passthrough(path: Path, fmt: str) -> ProcessResult:
    ext = PurePosixPath(path.name).suffix
    return ProcessResult(
        changed=False,
        path=path,
        format=fmt,
        extension=ext,
        content_type=content_type_for(path.name),
        size=path.stat().st_size,
    )


def process_image(
    path: str | os.PathLike[str],
    options: ImageOptions,
    out: IO[bytes] | None = None,
    *,
    out_dir: str | os.PathLike[str] | None = None,
    cancel: CancelToken | None = None,
) -> ProcessResult:
    """Apply ``options`` to the image at ``path``; the original is never modified.

    The result is written to ``out`` when given, else to a new file in ``out_dir``
    (default: the app's cache folder) whose path is in the result. When nothing needs
    doing the result has ``changed=False`` and points at the original.
    """
    with BLOCKS.active():
        return _process_image(Path(path), options, out, out_dir, cancel or CancelToken())


def _process_image(
    path: Path,
    options: ImageOptions,
    out: IO[bytes] | None,
    out_dir: str | os.PathLike[str] | None,
    cancel: CancelToken,
) -> ProcessResult:
    name = name_of(path)
    with open_image(path) as im:
        in_format = str(im.format or "")
        # The one decision (``changes_for``, also what the preview panel shows): the
        # pixels are re-encoded only for a resize, a format change or an sRGB conversion.
        plan = changes_for(info_from(im, path.stat().st_size), options)
        if plan.unchanged:
            return _passthrough(path, in_format)
        exif = get_exif(im)
        cancel.raise_if_cancelled()
        if not plan.will_reencode:
            meta = metadata_for(im, exif, options, reset_orientation=False)
            data = rewrite_metadata(path, in_format, meta, options.metadata)
            if data is not None:
                return _write(data, path, plan.out_format, out, out_dir, im.size)
            # A file whose segments are not understood: its pixels are written anew.
        out_format = plan.out_format
        target = fit(im.size, options.max_edge) if options.max_edge else im.size
        resize = target != im.size
        if int(getattr(im, "n_frames", 1) or 1) > 1 and in_format in ANIMATED_FORMATS:
            return _process_animated(im, path, options, target, out_format, out, out_dir)
        icc = im.info.get("icc_profile") or None
        box = None
        if in_format == "JPEG" and resize and im.mode in ("RGB", "L", "CMYK"):
            box = draft(im, target)
        load_pixels(im, name)
        cancel.raise_if_cancelled()
        frame, in_srgb = _prepare_pixels(
            im, icc, options, target, plan.will_convert_srgb, out_format, box
        )
        frame = transpose(frame, orientation_of(exif))
        cancel.raise_if_cancelled()
        meta = metadata_for(im, exif, options, reset_orientation=True)
        if in_srgb:
            meta.icc = srgb_profile().tobytes()
        elif im.mode == "CMYK" and frame.mode != "CMYK":
            meta.icc = None  # a CMYK profile does not describe RGB pixels
        kwargs = save_kwargs(out_format, meta, options)
        if out_format == "JPEG" and not resize and in_format in ("JPEG", "MPO"):
            # Same size, same format (only converted to sRGB): reuse the original
            # quantisation tables and chroma subsampling to avoid visible generation loss.
            with contextlib.suppress(Exception):
                from PIL import JpegImagePlugin

                kwargs["qtables"] = im.quantization
                kwargs["subsampling"] = JpegImagePlugin.get_sampling(im)
                kwargs.pop("quality", None)
        buf = io.BytesIO()
        try:
            frame.save(buf, out_format, **kwargs)
        except (OSError, ValueError, KeyError) as exc:
            raise BadImage(f"{name} could not be written as {out_format} ({exc}).") from exc
        return _write(buf.getvalue(), path, out_format, out, out_dir, frame.size, reencoded=True)


def _prepare_pixels(
    im: Any,
    icc: bytes | None,
    options: ImageOptions,
    target: tuple[int, int],
    convert_srgb: bool,
    out_format: str,
    box: Box | None = None,
) -> tuple[Any, bool]:
    """Decoded image → 8-bit L/LA/RGB/RGBA pixels at ``target`` size for ``out_format``.

    ``box`` comes from ``draft`` when libjpeg decoded at reduced scale. Also says
    whether the pixels were converted to sRGB through the embedded profile.
    """
    in_srgb = False
    frame = to_8bit(im)
    frame = flatten_palette(frame)
    if frame.mode == "CMYK":
        if icc:
            converted = icc_to_srgb(frame, icc, "RGB")
            in_srgb = converted is not None
            frame = converted if converted is not None else frame.convert("RGB")
        else:
            frame = frame.convert("RGB")
        convert_srgb = False
    if frame.size != target:
        frame = resample(frame, target, box)
    if convert_srgb and icc and frame.mode in ("RGB", "RGBA", "L", "LA"):
        mode = frame.mode if frame.mode in ("RGB", "RGBA") else "RGB"
        if frame.mode == "LA":
            frame = frame.convert("RGBA")
            mode = "RGBA"
        converted = icc_to_srgb(frame, icc, mode)
        if converted is not None:
            frame, in_srgb = converted, True
    if out_format == "JPEG":
        if frame.mode in ("RGBA", "LA"):
            frame = flatten_alpha(frame, options.background)
        elif frame.mode not in ("RGB", "L", "CMYK"):
            frame = frame.convert("RGB")
    elif out_format in ("WEBP", "AVIF"):
        if frame.mode == "L":
            frame = frame.convert("RGB")
        elif frame.mode == "LA":
            frame = frame.convert("RGBA")
    return frame, in_srgb


def _process_animated(
    im: Any,
    path: Path,
    options: ImageOptions,
    target: tuple[int, int],
    out_format: str,
    out: IO[bytes] | None,
    out_dir: str | os.PathLike[str] | None,
) -> ProcessResult:
    """Resize every frame of an animation, keeping durations, loop and disposal."""
    name = name_of(path)
    frames: list[Any] = []
    durations: list[int] = []
    try:
        for frame in ImageSequence.Iterator(im):
            durations.append(int(frame.info.get("duration", im.info.get("duration", 100)) or 100))
            rgba = frame.convert("RGBA")
            if rgba.size != target:
                rgba = rgba.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
            frames.append(rgba)
    except (OSError, ValueError, EOFError, SyntaxError) as exc:
        raise BadImage(f"{name} is a damaged animation and cannot be decoded ({exc}).") from exc
    kwargs: dict[str, Any] = {
        "save_all": True,
        "append_images": frames[1:],
        "duration": durations,
        "loop": int(im.info.get("loop", 0) or 0),
    }
    if out_format == "GIF":
        kwargs["disposal"] = 2
        kwargs["optimize"] = False
    elif out_format in ("WEBP", "AVIF"):
        kwargs["quality"] = options.quality
    buf = io.BytesIO()
    try:
        frames[0].save(buf, out_format, **kwargs)
    except (OSError, ValueError, KeyError) as exc:
        raise BadImage(f"{name} could not be written as {out_format} ({exc}).") from exc
    return _write(buf.getvalue(), path, out_format, out, out_dir, target, reencoded=True)


def _write(
    data: bytes,
    source: Path,
    fmt: str,
    out: IO[bytes] | None,
    out_dir: str | os.PathLike[str] | None,
    size: tuple[int, int],
    *,
    reencoded: bool = False,
) -> ProcessResult:
    ext, content_type = FORMAT_INFO[fmt]
    if out is not None:
        out.write(data)
        target = Path(getattr(out, "name", "") or "")
    else:
        folder = Path(out_dir) if out_dir is not None else prepared_dir()
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="prep-", suffix=ext, dir=folder)
        target = Path(name)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            with contextlib.suppress(OSError):
                target.unlink()
            raise translate(exc) from exc
    return ProcessResult(
        changed=True,
        path=target,
        format=fmt,
        extension=ext,
        content_type=content_type,
        size=len(data),
        width=size[0],
        height=size[1],
        reencoded=reencoded,
    )


def prepared_dir() -> Path:
    """Where prepared (resized, re-encoded) files wait for their upload."""
    return paths.cache_dir() / "prepared"


def output_key(key: str, extension: str) -> str:
    """``key`` with its extension replaced by ``extension`` (kept when it already fits)."""
    posix = PurePosixPath(key)
    current = posix.suffix.lower()
    same = {".jpg": {".jpg", ".jpeg", ".jpe"}, ".tif": {".tif", ".tiff"}}
    if current == extension or current in same.get(extension, set()):
        return key
    stem = key[: len(key) - len(posix.suffix)] if posix.suffix else key
    return stem + extension


# -- the engine hook -----------------------------------------------------------------------
class ImagePreparer:
    """A ``PrepareFn`` for ``TransferEngine.upload``: images get ``options`` applied.

    ``overrides`` maps a source's key to the options for that item. Files that are not
    images by name pass through untouched; an image file that cannot be decoded fails
    just that item with a ``BadImage``.
    """

    def __init__(
        self,
        options: ImageOptions,
        overrides: Mapping[str, ImageOptions] | None = None,
        *,
        out_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.options = options
        self.overrides = dict(overrides or {})
        self.out_dir = Path(out_dir) if out_dir is not None else None

    def options_for(self, source: UploadSource) -> ImageOptions:
        return self.overrides.get(source.key, self.options)

    def needed(self, sources: list[UploadSource]) -> bool:
        """True when some image among ``sources`` may be changed (else skip preparing)."""
        return any(
            is_image_name(s.path.name) and self.options_for(s).changes_files for s in sources
        )

    def __call__(self, source: UploadSource, cancel: CancelToken) -> UploadSource:
        options = self.options_for(source)
        if not options.changes_files or not is_image_name(source.path.name):
            return source
        cancel.raise_if_cancelled()
        result = process_image(source.path, options, out_dir=self.out_dir, cancel=cancel)
        if not result.changed:
            return source
        if cancel.cancelled:
            with contextlib.suppress(OSError):
                result.path.unlink()
            cancel.raise_if_cancelled()
        return replace(
            source,
            path=result.path,
            key=output_key(source.key, result.extension),
            size=result.size,
            content_type=result.content_type,
            temporary=True,
        )
