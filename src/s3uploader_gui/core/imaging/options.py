"""What the user asks to be done to images before they are uploaded: ``ImageOptions``.

Plain values without Pillow, so the options panel and the CLI can build and describe them
at start-up.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

#: Animated images are resized frame by frame only while all frames together stay below
#: this many pixels; bigger animations are uploaded as they are.
MAX_ANIMATION_PIXELS = 400_000_000
#: The maximum-edge choices offered by the GUI (None = original size).
MAX_EDGE_CHOICES: tuple[int, ...] = (3840, 2560, 2048, 1600, 1280, 800)


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
