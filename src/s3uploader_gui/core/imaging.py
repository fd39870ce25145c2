"""Images: safe open, EXIF orientation, fast draft-mode decode, resize, re-encode, metadata.

Everything here is plain Python over Pillow (no Qt), safe to call from many threads at
once: Pillow releases the GIL while it decodes, resamples and encodes, so a thread pool
uses every core. Big JPEGs are decoded at a reduced scale by libjpeg itself (down to
1/8, including 3/8 where Pillow alone would stop at 1/2: ``_draft``), and Pillow keeps
freed pixel buffers for the next image while images are being prepared for upload
(``_BlockCache``).

The pieces:

- ``open_image`` opens a file with a decompression-bomb limit and turns every way a file
  can fail to be an image (missing, unreadable, empty, truncated, not an image, HEIC
  without pillow-heif) into one ``BadImage``/``LocalFileError`` sentence.
- ``read_info`` and ``make_thumbnail`` give what a preview shows: pixel size, format, file
  size, camera, date taken, GPS presence, and small JPEG/PNG bytes.
- ``process_image`` applies ``ImageOptions`` (fit to a maximum edge, output format and
  quality, metadata policy, sRGB, JPEG background, animation policy) and writes the result
  to a new file; the original is never modified.
- ``ImagePreparer`` is a ``PrepareFn`` for ``TransferEngine.upload``: it turns each image
  source into a temporary file with the right key, size and Content-Type.
"""

from __future__ import annotations

import contextlib
import enum
import importlib.util
import io
import os
import re
import struct
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import PIL as _PIL
    from PIL import Image, ImageCms, ImageSequence
    from PIL.ExifTags import IFD, Base

from s3uploader_gui.core import paths
from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import AppError, BadImage, LocalFileError, translate
from s3uploader_gui.core.naming import UploadSource, content_type_for, is_image_name

#: Largest image (in pixels) that is decoded at all. Pillow's own guard uses the same
#: number: it warns above it and refuses at twice it; we refuse above it, with a sentence.
MAX_PIXELS = 150_000_000
#: Animated images are resized frame by frame only while all frames together stay below
#: this many pixels; bigger animations are uploaded as they are.
MAX_ANIMATION_PIXELS = 400_000_000
#: The maximum-edge choices offered by the GUI (None = original size).
MAX_EDGE_CHOICES: tuple[int, ...] = (3840, 2560, 2048, 1600, 1280, 800)

_PIL_LOCK = threading.Lock()
_pil_configured = False


def load_pil() -> None:
    """Import and configure Pillow (once; thread-safe). Called on first use, so that
    importing this module (and the app's window) does not import Pillow."""
    global _pil_configured
    if _pil_configured:
        return
    with _PIL_LOCK:
        if _pil_configured:
            return
        from PIL import Image, ImageFile

        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        # Between MAX_PIXELS and twice it Pillow only warns; ``open_image`` refuses those
        # itself (right after reading the header), so the warning adds nothing. Filtering
        # it once here avoids ``warnings.catch_warnings``, which is not thread-safe.
        # (Where warnings are errors, as under pytest, Pillow raises it and it is turned
        # into BadImage as well.)
        warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
        # Truncated files are errors, never silently half-grey images.
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        _pil_configured = True


class _LazyPIL:
    """A Pillow module (or one of its attributes), imported and configured on first use."""

    def __init__(self, module: str, attr: str = "") -> None:
        self._module = module
        self._attr = attr

    def __getattr__(self, name: str) -> Any:
        load_pil()
        target: Any = importlib.import_module(self._module)
        if self._attr:
            target = getattr(target, self._attr)
        return getattr(target, name)


if not TYPE_CHECKING:
    _PIL = _LazyPIL("PIL")
    Image = _LazyPIL("PIL.Image")
    ImageCms = _LazyPIL("PIL.ImageCms")
    ImageSequence = _LazyPIL("PIL.ImageSequence")
    IFD = _LazyPIL("PIL.ExifTags", "IFD")
    Base = _LazyPIL("PIL.ExifTags", "Base")

_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")
_HEIF_LOCK = threading.Lock()
_heif_state: bool | None = None


def heif_supported() -> bool:
    """True when pillow-heif is installed (its opener is registered on first call)."""
    global _heif_state
    with _HEIF_LOCK:
        if _heif_state is None:
            try:
                from pillow_heif import register_heif_opener
            except ImportError:
                _heif_state = False
            else:
                register_heif_opener()
                _heif_state = True
        return _heif_state


def avif_supported() -> bool:
    """True when the installed Pillow can write AVIF.

    Before Pillow is loaded (the window being built at start-up) this only looks for its
    AVIF codec module, the one that registers Pillow's AVIF encoder, without loading it:
    loading it maps libavif (5 MB, read from disk on a cold start) and loading every
    plug-in (``Image.init()``) costs about 70 ms.
    """
    if "PIL.Image" not in sys.modules:
        try:
            return importlib.util.find_spec("PIL._avif") is not None
        except (ImportError, ValueError):
            return False
    return "AVIF" in _save_formats()


def _save_formats() -> frozenset[str]:
    Image.init()
    return frozenset(Image.SAVE)


# -- options -------------------------------------------------------------------------------
class OutputFormat(enum.StrEnum):
    KEEP = "keep"
    JPEG = "jpeg"
    WEBP = "webp"
    PNG = "png"
    AVIF = "avif"


class MetadataPolicy(enum.StrEnum):
    STRIP_LOCATION = "strip-location"
    STRIP_ALL = "strip-all"
    KEEP = "keep"


class AnimationPolicy(enum.StrEnum):
    #: Resize every frame (the animation stays an animation).
    RESIZE_FRAMES = "resize-frames"
    #: Upload animated images exactly as they are.
    KEEP = "keep"


# Pillow format name → (extension, Content-Type) of what we write.
_FORMAT_INFO: dict[str, tuple[str, str]] = {
    "JPEG": (".jpg", "image/jpeg"),
    "WEBP": (".webp", "image/webp"),
    "PNG": (".png", "image/png"),
    "AVIF": (".avif", "image/avif"),
    "GIF": (".gif", "image/gif"),
    "TIFF": (".tif", "image/tiff"),
}
_CHOSEN_FORMAT = {
    OutputFormat.JPEG: "JPEG",
    OutputFormat.WEBP: "WEBP",
    OutputFormat.PNG: "PNG",
    OutputFormat.AVIF: "AVIF",
}
# What "keep" writes for inputs that cannot (or should not) be written back as they are.
_KEEP_AS = {"HEIF": "JPEG", "HEIC": "JPEG", "BMP": "PNG", "MPO": "JPEG", "ICO": "PNG"}
_ANIMATED_FORMATS = frozenset({"GIF", "WEBP", "PNG", "AVIF"})


@dataclass(frozen=True)
class ImageOptions:
    """What to do to an image before it is uploaded.

    ``max_edge`` None keeps the pixel size; images are never upscaled. ``quality`` is
    1–100 for JPEG, WebP and AVIF. ``background`` is the RGB colour transparent pixels
    are flattened on when the output cannot hold transparency (JPEG).
    """

    max_edge: int | None = None
    format: OutputFormat = OutputFormat.KEEP
    quality: int = 85
    metadata: MetadataPolicy = MetadataPolicy.STRIP_LOCATION
    to_srgb: bool = False
    background: tuple[int, int, int] = (255, 255, 255)
    animation: AnimationPolicy = AnimationPolicy.RESIZE_FRAMES

    def __post_init__(self) -> None:
        if self.max_edge is not None and self.max_edge < 1:
            raise ValueError("max_edge must be at least 1 pixel")
        if not 1 <= self.quality <= 100:
            raise ValueError("quality must be between 1 and 100")

    @property
    def changes_files(self) -> bool:
        """False when these options upload every file exactly as it is."""
        return (
            self.max_edge is not None
            or self.format is not OutputFormat.KEEP
            or self.metadata is not MetadataPolicy.KEEP
            or self.to_srgb
        )

    def describe(self) -> str:
        """A short summary such as "2048 px, WebP q80, strip location"."""
        size = f"{self.max_edge} px" if self.max_edge else "original size"
        fmt = "same format" if self.format is OutputFormat.KEEP else self.format.value.upper()
        if self.format in (OutputFormat.JPEG, OutputFormat.WEBP, OutputFormat.AVIF):
            fmt += f" q{self.quality}"
        meta = {
            MetadataPolicy.STRIP_LOCATION: "strip location",
            MetadataPolicy.STRIP_ALL: "strip all metadata",
            MetadataPolicy.KEEP: "keep metadata",
        }[self.metadata]
        parts = [size, fmt, meta]
        if self.to_srgb:
            parts.append("sRGB")
        return ", ".join(parts)


# -- opening -------------------------------------------------------------------------------
def _name(path: Path) -> str:
    return path.name or str(path)


def _sniff_heif(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(32)
    except OSError:
        return False
    return len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS


def _local_error(path: Path, exc: OSError) -> AppError:
    err = translate(exc)
    if isinstance(err, LocalFileError):
        return err
    return LocalFileError(f"{path} cannot be read: {exc.strerror or exc}.")


@contextlib.contextmanager
def open_image(path: str | os.PathLike[str], *, max_pixels: int = MAX_PIXELS) -> Iterator[Any]:
    """Open ``path`` as an image (header only) with every failure as one clear error.

    Raises ``LocalFileError`` (vanished, unreadable, a folder) or ``BadImage`` (empty,
    not an image, unsupported format, too many pixels). Decoding errors that only show
    while loading pixels are turned into ``BadImage`` by ``_load``.
    """
    path = Path(path)
    name = _name(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise IsADirectoryError(21, "Is a directory", str(path))
        fh = open(path, "rb")  # noqa: SIM115 - closed below, after the image
    except OSError as exc:
        raise _local_error(path, exc) from exc
    try:
        if size == 0:
            raise BadImage(f"{name} is empty (0 bytes), not an image.", code="EmptyImage")
        if _sniff_heif(path):
            heif_supported()
        try:
            im = Image.open(fh)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _bomb(name, max_pixels) from exc
        except _PIL.UnidentifiedImageError as exc:
            if _sniff_heif(path):
                raise BadImage(
                    f"{name} is a HEIC/HEIF image: unsupported format without the optional "
                    "pillow-heif package (install s3uploader-gui[heif]).",
                    code="UnsupportedFormat",
                ) from exc
            raise BadImage(
                f"{name} is not an image this app can read (unknown or unsupported format, "
                "or not an image at all).",
                code="NotAnImage",
            ) from exc
        except OSError as exc:
            raise BadImage(f"{name} is damaged and cannot be read: {exc}.") from exc
        except (SyntaxError, ValueError, struct.error, EOFError) as exc:
            raise BadImage(f"{name} is damaged and cannot be read ({exc}).") from exc
        width, height = im.size
        if width < 1 or height < 1:
            raise BadImage(f"{name} has no pixels ({width}×{height}).")
        if width * height > max_pixels:
            raise _bomb(name, max_pixels, width, height)
        try:
            yield im
        finally:
            im.close()
    finally:
        fh.close()


def _bomb(name: str, limit: int, width: int = 0, height: int = 0) -> BadImage:
    what = f" ({width}×{height})" if width else ""
    return BadImage(
        f"{name} is too large to decode safely{what}: more than {limit / 1e6:.0f} megapixels "
        "(possible decompression bomb).",
        code="DecompressionBomb",
    )


def _load(im: Any, name: str) -> None:
    """Decode the pixels; damaged data becomes ``BadImage``."""
    try:
        im.load()
    except (OSError, SyntaxError, ValueError, struct.error, EOFError, IndexError) as exc:
        text = str(exc) or type(exc).__name__
        if "truncated" in text.lower() or isinstance(exc, EOFError):
            raise BadImage(
                f"{name} is truncated (the file ends early): it cannot be decoded.",
                code="Truncated",
            ) from exc
        raise BadImage(f"{name} is damaged and cannot be decoded ({text}).") from exc
    except Image.DecompressionBombError as exc:
        raise _bomb(name, MAX_PIXELS) from exc


# -- info ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImageInfo:
    """What a preview shows about an image. ``width``/``height`` are as displayed (upright)."""

    width: int
    height: int
    format: str
    file_size: int
    mode: str = ""
    camera: str = ""
    taken: str = ""
    has_gps: bool = False
    orientation: int = 1
    frames: int = 1
    has_icc: bool = False
    has_alpha: bool = False


def _orientation(exif: Image.Exif) -> int:
    value = exif.get(Base.Orientation, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip().strip("\x00").strip() if value is not None else ""


def _camera(exif: Image.Exif) -> str:
    make, model = _text(exif.get(Base.Make)), _text(exif.get(Base.Model))
    if make and model.lower().startswith(make.split()[0].lower()):
        return model
    return " ".join(p for p in (make, model) if p)


def _taken(exif: Image.Exif) -> str:
    sub = _exif_ifd(exif, IFD.Exif)
    raw = _text(sub.get(Base.DateTimeOriginal) or sub.get(Base.DateTimeDigitized))
    raw = raw or _text(exif.get(Base.DateTime))
    match = re.match(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})", raw)
    if match:
        y, mo, d, h, mi, s = match.groups()
        return f"{y}-{mo}-{d} {h}:{mi}:{s}"
    return raw


def _exif_ifd(exif: Image.Exif, tag: int) -> dict[int, Any]:
    try:
        return dict(exif.get_ifd(tag))
    except (KeyError, ValueError, TypeError, struct.error, OSError):
        return {}


def _has_gps(exif: Image.Exif, xmp: bytes | str | None) -> bool:
    gps = _exif_ifd(exif, IFD.GPSInfo)
    # Tag 0 (GPSVersionID) alone says nothing about a place.
    if any(k != 0 for k in gps):
        return True
    if xmp:
        text = xmp if isinstance(xmp, str) else xmp.decode("utf-8", "replace")
        return bool(_XMP_GPS_ATTR.search(text) or _XMP_GPS_ELEM.search(text))
    return False


def _xmp_of(im: Any) -> bytes | None:
    value = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
    if isinstance(value, str):
        return value.encode("utf-8")
    return value if isinstance(value, bytes) else None


def _get_exif(im: Any) -> Image.Exif:
    try:
        return im.getexif()  # type: ignore[no-any-return]
    except (SyntaxError, ValueError, TypeError, struct.error, OSError):
        return Image.Exif()


def _info_from(im: Any, file_size: int) -> ImageInfo:
    exif = _get_exif(im)
    orientation = _orientation(exif)
    width, height = im.size
    if orientation >= 5:
        width, height = height, width
    mode = str(im.mode)
    return ImageInfo(
        width=width,
        height=height,
        format=str(im.format or ""),
        file_size=file_size,
        mode=mode,
        camera=_camera(exif),
        taken=_taken(exif),
        has_gps=_has_gps(exif, _xmp_of(im)),
        orientation=orientation,
        frames=int(getattr(im, "n_frames", 1) or 1),
        has_icc=bool(im.info.get("icc_profile")),
        has_alpha=_has_alpha(im),
    )


def _has_alpha(im: Any) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        im.mode in ("P", "L", "RGB") and "transparency" in im.info
    )


def read_info(path: str | os.PathLike[str]) -> ImageInfo:
    """Pixel size, format, file size, camera, date taken and GPS presence (no decoding)."""
    path = Path(path)
    with open_image(path) as im:
        return _info_from(im, path.stat().st_size)


# -- thumbnails ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Thumbnail:
    """A small JPEG (or PNG when it has transparency) and the image's info."""

    data: bytes
    width: int
    height: int
    format: str
    info: ImageInfo


def make_thumbnail(path: str | os.PathLike[str], size: int = 256) -> Thumbnail:
    """An upright thumbnail that fits ``size``×``size``, decoded at reduced scale."""
    path = Path(path)
    name = _name(path)
    with open_image(path) as im:
        info = _info_from(im, path.stat().st_size)
        target = _fit(im.size, size)
        box = None
        if im.format == "JPEG" and im.mode in ("RGB", "L", "CMYK"):
            box = _draft(im, target)
        _load(im, name)
        frame = _to_8bit(im)
        frame = _flatten_palette(frame)
        if frame.mode == "CMYK":
            frame = _cmyk_to_rgb(frame, im.info.get("icc_profile"))
        if target != frame.size:
            # A thumbnail is small: LANCZOS costs next to nothing here (the decode
            # dominates) and keeps fine detail crisp.
            frame = frame.resize(target, Image.Resampling.LANCZOS, box=box, reducing_gap=2.0)
        frame = _transpose(frame, info.orientation)
        buf = io.BytesIO()
        if frame.mode in ("RGBA", "LA"):
            frame.save(buf, "PNG", compress_level=1)
            fmt = "PNG"
        else:
            if frame.mode not in ("RGB", "L"):
                frame = frame.convert("RGB")
            frame.save(buf, "JPEG", quality=85)
            fmt = "JPEG"
        return Thumbnail(buf.getvalue(), frame.width, frame.height, fmt, info)


# -- pixels --------------------------------------------------------------------------------
def _fit(size: tuple[int, int], max_edge: int) -> tuple[int, int]:
    """``size`` scaled to fit ``max_edge`` (never up), each side at least 1 pixel."""
    width, height = size
    longest = max(width, height)
    if longest <= max_edge:
        return size
    scale = max_edge / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


# By name: ``Image.Transpose`` members (Pillow is imported on first use).
_TRANSPOSE: dict[int, list[str]] = {
    2: ["FLIP_LEFT_RIGHT"],
    3: ["ROTATE_180"],
    4: ["FLIP_TOP_BOTTOM"],
    5: ["TRANSPOSE"],
    6: ["ROTATE_270"],
    7: ["TRANSVERSE"],
    8: ["ROTATE_90"],
}


_TURBO_LOCK = threading.Lock()
_turbo_state: bool | None = None


def _libjpeg_scales_by_eighths() -> bool:
    """True when Pillow's libjpeg is libjpeg-turbo 1.2 or later, which decodes at any
    M/8 scale: asked for 1/3 it gives 3/8. IJG libjpeg 6b would give 1/2 instead and
    overrun the row buffer Pillow sized for 3/8, so anything else never gets 1/3."""
    global _turbo_state
    with _TURBO_LOCK:
        if _turbo_state is None:
            from PIL import features

            try:
                version = features.version_feature("libjpeg_turbo")
            except (ValueError, TypeError):
                version = None
            parts = tuple(int(n) for n in re.findall(r"\d+", version or "")[:2])
            _turbo_state = len(parts) == 2 and parts >= (1, 2)
        return _turbo_state


_Box = tuple[float, float, float, float]


def _draft(im: Any, target: tuple[int, int]) -> _Box | None:
    """Have libjpeg decode a JPEG at a reduced scale (DCT scaling), never below ``target``.

    Returns the box of the reduced image that the whole original covers (the last row
    and column can be partial, as in 1001 × 3/8 = 375.375), for an exact resample, or
    None when the image is decoded at full size.

    Pillow's ``draft`` offers 1/2, 1/4 and 1/8. Where 1/4 is already too small, 3/8 often
    still fits (6000 px → 2250 for a 2048 px target): its decode costs about 10 % more
    than 1/2, but the resample after it then reads 44 % fewer pixels with a kernel a
    third narrower, which saves far more (about 17 ms of 53 on a 24 MP photo). Pillow
    has no public way to ask for 3/8, so the decoder's scale, the tile and the size are
    set here exactly as ``JpegImageFile.draft`` sets them for its own scales; libjpeg's
    output for scale 1/3 is ceil(size × 3/8), which is the size given to the tile.
    """
    if not getattr(im, "quantization", None):
        # No quantisation tables: lossless JPEG (SOF3), which libjpeg never scales;
        # its full-width rows would overrun buffers sized for a reduced scale.
        return None
    width, height = im.size
    w38, h38 = -(-width * 3 // 8), -(-height * 3 // 8)
    tile = im.tile[0] if len(im.tile) == 1 else None
    if (
        tile is not None
        and not im.decoderconfig
        and tile[0] == "jpeg"
        and tuple(tile[1]) == (0, 0, width, height)
        and w38 >= target[0]
        and h38 >= target[1]
        and (width // 4 < target[0] or height // 4 < target[1])  # 1/4 does not fit
        and _libjpeg_scales_by_eighths()
    ):
        extents = (0, 0, w38, h38)
        # Pillow ≥ 11 has named tiles; 10.x plain tuples.
        if hasattr(tile, "_replace"):
            im.tile = [tile._replace(extents=extents)]
        else:
            im.tile = [(tile[0], extents, tile[2], tile[3])]
        im._size = (w38, h38)
        im.decoderconfig = (3, 0)  # (scale denominator, draft quality off)
        return (0.0, 0.0, width * 3 / 8, height * 3 / 8)
    before = im.size
    drafted = im.draft(None, target)
    return tuple(drafted[1]) if drafted and im.size != before else None


def _pil_core() -> Any:
    """Pillow's C module (``PIL.Image.core``), for its block allocator settings."""
    load_pil()
    return importlib.import_module("PIL._imaging")


class _BlockCache:
    """Keeps Pillow's freed pixel blocks for reuse while images are being processed.

    By default Pillow hands every freed image buffer back to the C allocator, which
    returns these multi-megabyte blocks to the kernel; the next image then page-faults
    the same amount of fresh zeroed memory (about 2400 faults and 5 ms of system time
    per 24 MP photo, 5 % of the whole 2048 px pipeline). Pillow's block cache avoids
    that, but it is process-wide and holds on to the memory, so it is switched on only
    while ``process_image`` calls are running and emptied again once none has run for
    ``linger`` seconds. (Not for thumbnails: their buffers are small enough for the C
    allocator to reuse, and Pillow reallocating cached blocks to their various sizes
    costs more page faults than it saves, measured.)
    """

    #: Blocks (each at most 16 MB) per image in flight: the decoded image, the resample's
    #: intermediate, its result and the turned copy.
    PER_IMAGE = 4
    MAX_BLOCKS = 16

    def __init__(self, linger: float = 2.0) -> None:
        self.linger = linger
        self._lock = threading.Lock()
        self._users = 0
        self._blocks = 0
        self._baseline: int | None = None
        self._idle_since = 0.0
        # One timer at a time, re-armed while images keep coming: starting a thread
        # per image would cost more than a thumbnail's resample.
        self._timer: threading.Timer | None = None

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        self._enter()
        try:
            yield
        finally:
            self._exit()

    def _enter(self) -> None:
        core = _pil_core()
        with self._lock:
            self._users += 1
            if self._baseline is None:
                self._baseline = int(core.get_blocks_max())  # PILLOW_BLOCKS_MAX, if set
            wanted = min(self.MAX_BLOCKS, self.PER_IMAGE * self._users)
            if wanted > self._blocks:
                self._blocks = wanted
                core.set_blocks_max(max(wanted, self._baseline))

    def _exit(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._blocks:
                self._idle_since = time.monotonic()
                if self._timer is None:
                    self._arm(self.linger)

    def _arm(self, delay: float) -> None:
        timer = threading.Timer(delay, self._expire)
        timer.daemon = True
        self._timer = timer
        timer.start()

    def _expire(self) -> None:
        with self._lock:
            self._timer = None
            left = self._idle_since + self.linger - time.monotonic()
            if self._users == 0 and self._blocks and left > 0:
                self._arm(left)
                return
        self.release()

    def release(self) -> None:
        """Empty the cache now unless an image is being processed."""
        with self._lock:
            if self._users == 0 and self._blocks:
                self._blocks = 0
                # Lowering the limit frees the cached blocks.
                _pil_core().set_blocks_max(self._baseline or 0)

    @property
    def blocks(self) -> int:
        """How many freed blocks Pillow may keep now (0 when idle)."""
        with self._lock:
            return self._blocks


_BLOCKS = _BlockCache()


def _resample(im: Any, target: tuple[int, int], box: _Box | None = None) -> Any:
    """Resize to ``target`` with a high-quality antialiasing filter.

    Big reductions use LANCZOS (after a cheap integer box reduction, ``reducing_gap``).
    The last factor of two or less — all that is left after a JPEG draft decode, which
    did the bulk of the reduction in the DCT domain — uses BICUBIC: measured against
    a full-resolution LANCZOS resize it is as close (46 to 47 dB PSNR on the benchmark
    photos, LANCZOS 46) and costs about 30 % less. (HAMMING or BILINEAR would save
    another 9 ms of 35 on a 24 MP photo, but lose 3 to 4 dB, down to 35 dB on photos
    full of fine edges: not worth it.)

    ``box`` is the region of ``im`` to resize (see ``_draft``); default all of it.
    """
    box = box or (0.0, 0.0, float(im.width), float(im.height))
    factor = max((box[2] - box[0]) / target[0], (box[3] - box[1]) / target[1])
    if factor <= 2.0:
        return im.resize(target, Image.Resampling.BICUBIC, box=box)
    return im.resize(target, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


def _transpose(im: Any, orientation: int) -> Any:
    for method in _TRANSPOSE.get(orientation, []):
        im = im.transpose(Image.Transpose[method])
    return im


def _to_8bit(im: Any) -> Any:
    """16-bit and 32-bit grey become 8-bit grey by scaling, never by clipping."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if im.mode == "I":
        lo, hi = im.getextrema()
        scale = 1 / 256 if hi > 255 else 1.0
        return im.point(lambda v: v * scale).convert("L")
    if im.mode == "F":
        lo, hi = im.getextrema()
        span = (hi - lo) or 1.0
        return im.point(lambda v: (v - lo) * (255.0 / span)).convert("L")
    if im.mode == "1":
        return im.convert("L")
    return im


def _flatten_palette(im: Any) -> Any:
    """Palette and unusual modes become L/LA/RGB/RGBA (keeping transparency)."""
    if im.mode == "P":
        return im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode == "PA":
        return im.convert("RGBA")
    if im.mode in ("L", "RGB") and "transparency" in im.info:
        return im.convert("LA" if im.mode == "L" else "RGBA")
    if im.mode in ("RGBa", "RGBX", "YCbCr", "LAB", "HSV"):
        return im.convert("RGBA" if im.mode == "RGBa" else "RGB")
    if im.mode == "La":
        return im.convert("LA")
    return im


_SRGB_LOCK = threading.Lock()
_SRGB: Any = None


def _srgb_profile() -> Any:
    global _SRGB
    with _SRGB_LOCK:
        if _SRGB is None:
            _SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        return _SRGB


def _icc_to_srgb(im: Any, icc: bytes, mode: str) -> Any:
    """Convert pixels from the embedded profile to sRGB (None when the profile is bad)."""
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(
            im, src, _srgb_profile(), outputMode=mode, renderingIntent=ImageCms.Intent.PERCEPTUAL
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


def _cmyk_to_rgb(im: Any, icc: bytes | None) -> Any:
    if icc:
        converted = _icc_to_srgb(im, icc, "RGB")
        if converted is not None:
            return converted
    return im.convert("RGB")


def _is_srgb(icc: bytes) -> bool:
    try:
        desc = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return False
    return "srgb" in desc.lower().replace(" ", "")


def _flatten_alpha(im: Any, background: tuple[int, int, int]) -> Any:
    """RGBA/LA on an opaque background colour (for JPEG)."""
    if im.mode == "LA":
        grey = round(0.299 * background[0] + 0.587 * background[1] + 0.114 * background[2])
        base = Image.new("L", im.size, grey)
        base.paste(im.getchannel("L"), mask=im.getchannel("A"))
        return base
    base = Image.new("RGB", im.size, background)
    base.paste(im.convert("RGB"), mask=im.getchannel("A"))
    return base


# -- metadata ------------------------------------------------------------------------------
_XMP_GPS_ATTR = re.compile(r'\s(?:exif|exifEX|drone-dji):GPS\w*="[^"]*"')
_XMP_GPS_ELEM = re.compile(r"<((?:exif|exifEX):GPS\w*)\b[^>]*?(?:/>|>.*?</\1\s*>)", re.DOTALL)


def _strip_xmp_location(xmp: bytes) -> bytes:
    text = xmp.decode("utf-8", "replace")
    text = _XMP_GPS_ATTR.sub("", text)
    text = _XMP_GPS_ELEM.sub("", text)
    return text.encode("utf-8")


@dataclass
class _Metadata:
    """What is written into the output file."""

    exif: bytes = b""
    icc: bytes | None = None
    xmp: bytes | None = None
    comment: bytes | None = None


def _metadata_for(
    im: Any, exif: Image.Exif, options: ImageOptions, *, reset_orientation: bool
) -> _Metadata:
    icc = im.info.get("icc_profile") or None
    meta = _Metadata(icc=icc)
    if options.metadata is MetadataPolicy.STRIP_ALL:
        return meta
    out = Image.Exif()
    if len(exif):
        with contextlib.suppress(Exception):
            out.load(exif.tobytes())
    if reset_orientation and Base.Orientation in out:
        out[Base.Orientation] = 1
    xmp = _xmp_of(im)
    if options.metadata is MetadataPolicy.STRIP_LOCATION:
        if IFD.GPSInfo in out:
            del out[IFD.GPSInfo]
        if xmp:
            xmp = _strip_xmp_location(xmp)
    if reset_orientation and xmp:
        xmp = re.sub(rb'tiff:Orientation="\d"', b'tiff:Orientation="1"', xmp)
        xmp = re.sub(rb"<tiff:Orientation>\d</tiff:Orientation>", b"", xmp)
    # Thumbnails embedded in EXIF (IFD1) may show the old orientation or place: drop them.
    try:
        data = out.tobytes() if len(out) else b""
    except (ValueError, TypeError, struct.error):
        data = b""
    meta.exif = data
    meta.xmp = xmp
    comment = im.info.get("comment")
    meta.comment = comment if isinstance(comment, bytes) and comment else None
    return meta


def _save_kwargs(fmt: str, meta: _Metadata, options: ImageOptions) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if meta.icc:
        kwargs["icc_profile"] = meta.icc
    if meta.exif and fmt in ("JPEG", "WEBP", "PNG", "AVIF", "TIFF"):
        kwargs["exif"] = meta.exif
    if meta.xmp and fmt in ("JPEG", "WEBP", "AVIF"):
        kwargs["xmp"] = meta.xmp
    if fmt == "JPEG":
        kwargs["quality"] = options.quality
        if meta.comment:
            kwargs["comment"] = meta.comment
    elif fmt == "WEBP":
        kwargs["quality"] = options.quality
        kwargs["method"] = 4
    elif fmt == "AVIF":
        kwargs["quality"] = options.quality
        kwargs["speed"] = 8
    elif fmt == "PNG":
        kwargs["compress_level"] = 6
    return kwargs


def _lossless_jpeg_metadata(path: Path, meta: _Metadata) -> bytes | None:
    """The JPEG with only its metadata segments replaced (pixels untouched), or None.

    APP1 (EXIF, XMP), COM and other application segments are replaced by ``meta``;
    APP0 (JFIF), APP2 (ICC profile), APP14 (Adobe colour transform), the tables and the
    image data are copied byte for byte.
    """
    data = path.read_bytes()
    if data[:2] != b"\xff\xd8":
        return None
    head = bytearray()
    body = bytearray()
    pos = 2
    ours = b""
    if meta.exif:
        ours += _segment(0xE1, b"Exif\x00\x00" + meta.exif.removeprefix(b"Exif\x00\x00"))
    if meta.xmp:
        ours += _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + meta.xmp)
    if meta.comment:
        ours += _segment(0xFE, meta.comment)
    first = True
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker in (0xDA, 0xD9):  # start of scan: the rest is image data
            return b"\xff\xd8" + bytes(head) + ours + bytes(body) + data[pos:]
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        segment = data[pos : pos + 2 + length]
        if len(segment) < 2 + length:
            return None
        pos += 2 + length
        if marker == 0xE0 and first:
            head += segment  # JFIF stays first
        elif marker in (0xE2, 0xEE) or (not 0xE0 <= marker <= 0xEF and marker != 0xFE):
            body += segment
        first = False
    return None


def _segment(marker: int, payload: bytes) -> bytes:
    if len(payload) + 2 > 0xFFFF:
        return b""
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


# -- processing ----------------------------------------------------------------------------
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


def _output_format(in_format: str, options: ImageOptions, *, animated: bool) -> str:
    if animated and options.format is not OutputFormat.WEBP:
        return in_format  # never flatten an animation into one JPEG/PNG frame
    chosen = _CHOSEN_FORMAT.get(options.format)
    if chosen is None:
        chosen = _KEEP_AS.get(in_format, in_format)
    if chosen not in _save_formats() or chosen not in _FORMAT_INFO:
        chosen = "JPEG" if chosen == "AVIF" else "PNG"
    return chosen


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
    with _BLOCKS.active():
        return _process_image(Path(path), options, out, out_dir, cancel or CancelToken())


def _process_image(
    path: Path,
    options: ImageOptions,
    out: IO[bytes] | None,
    out_dir: str | os.PathLike[str] | None,
    cancel: CancelToken,
) -> ProcessResult:
    name = _name(path)
    with open_image(path) as im:
        in_format = str(im.format or "")
        exif = _get_exif(im)
        orientation = _orientation(exif)
        frames = int(getattr(im, "n_frames", 1) or 1)
        animated = frames > 1 and in_format in _ANIMATED_FORMATS
        out_format = _output_format(in_format, options, animated=animated)
        target = _fit(im.size, options.max_edge) if options.max_edge else im.size
        resize = target != im.size
        icc = im.info.get("icc_profile") or None
        convert_srgb = bool(options.to_srgb and icc and not _is_srgb(icc))
        has_gps = _has_gps(exif, _xmp_of(im))
        has_meta = bool(len(exif) or _xmp_of(im) or im.info.get("comment"))
        meta_change = (options.metadata is MetadataPolicy.STRIP_LOCATION and has_gps) or (
            options.metadata is MetadataPolicy.STRIP_ALL and has_meta
        )
        same_format = out_format == in_format
        if animated:
            if options.animation is AnimationPolicy.KEEP or (not resize and same_format):
                return _passthrough(path, in_format)
            if frames * im.size[0] * im.size[1] > MAX_ANIMATION_PIXELS:
                return _passthrough(path, in_format)
            return _process_animated(im, path, options, target, out_format, out, out_dir)
        pixels_change = resize or not same_format or convert_srgb or orientation != 1
        if not pixels_change and not meta_change:
            return _passthrough(path, in_format)
        cancel.raise_if_cancelled()
        if not pixels_change and in_format == "JPEG":
            meta = _metadata_for(im, exif, options, reset_orientation=False)
            data = _lossless_jpeg_metadata(path, meta)
            if data is not None:
                return _write(data, path, "JPEG", out, out_dir, im.size)
        box = None
        if in_format == "JPEG" and resize and im.mode in ("RGB", "L", "CMYK"):
            box = _draft(im, target)
        _load(im, name)
        cancel.raise_if_cancelled()
        frame, in_srgb = _prepare_pixels(im, icc, options, target, convert_srgb, out_format, box)
        frame = _transpose(frame, orientation)
        cancel.raise_if_cancelled()
        meta = _metadata_for(im, exif, options, reset_orientation=True)
        if in_srgb:
            meta.icc = _srgb_profile().tobytes()
        elif im.mode == "CMYK" and frame.mode != "CMYK":
            meta.icc = None  # a CMYK profile does not describe RGB pixels
        kwargs = _save_kwargs(out_format, meta, options)
        if out_format == "JPEG" and not resize and same_format and im.format == "JPEG":
            # Same size, same format (only rotated or converted): reuse the original
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
        return _write(buf.getvalue(), path, out_format, out, out_dir, frame.size)


def _prepare_pixels(
    im: Any,
    icc: bytes | None,
    options: ImageOptions,
    target: tuple[int, int],
    convert_srgb: bool,
    out_format: str,
    box: _Box | None = None,
) -> tuple[Any, bool]:
    """Decoded image → 8-bit L/LA/RGB/RGBA pixels at ``target`` size for ``out_format``.

    ``box`` comes from ``_draft`` when libjpeg decoded at reduced scale. Also says
    whether the pixels were converted to sRGB through the embedded profile.
    """
    in_srgb = False
    frame = _to_8bit(im)
    frame = _flatten_palette(frame)
    if frame.mode == "CMYK":
        if icc:
            converted = _icc_to_srgb(frame, icc, "RGB")
            in_srgb = converted is not None
            frame = converted if converted is not None else frame.convert("RGB")
        else:
            frame = frame.convert("RGB")
        convert_srgb = False
    if frame.size != target:
        frame = _resample(frame, target, box)
    if convert_srgb and icc and frame.mode in ("RGB", "RGBA", "L", "LA"):
        mode = frame.mode if frame.mode in ("RGB", "RGBA") else "RGB"
        if frame.mode == "LA":
            frame = frame.convert("RGBA")
            mode = "RGBA"
        converted = _icc_to_srgb(frame, icc, mode)
        if converted is not None:
            frame, in_srgb = converted, True
    if out_format == "JPEG":
        if frame.mode in ("RGBA", "LA"):
            frame = _flatten_alpha(frame, options.background)
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
    name = _name(path)
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
    return _write(buf.getvalue(), path, out_format, out, out_dir, target)


def _write(
    data: bytes,
    source: Path,
    fmt: str,
    out: IO[bytes] | None,
    out_dir: str | os.PathLike[str] | None,
    size: tuple[int, int],
) -> ProcessResult:
    ext, content_type = _FORMAT_INFO[fmt]
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


def describe_format(info: ImageInfo) -> str:
    """ "JPEG", "GIF (24 frames)"…"""
    fmt = info.format or "?"
    return f"{fmt} ({info.frames} frames)" if info.frames > 1 else fmt


def megapixels(info: ImageInfo) -> float:
    return round(info.width * info.height / 1e6, 1)
