"""Provider presets and endpoints in the profile form: what choosing a provider fills in.

No widgets here: ``fill_from_preset`` says what the form shows for a preset, and the
form applies it. The kinds and addressing styles are the choices the form offers.
"""

from __future__ import annotations

from dataclasses import dataclass

from s3uploader_gui.core.profiles import ProfileKind
from s3uploader_gui.core.providers import PLACEHOLDER, PRESETS, preset

ADDRESSING = (("auto", "Automatic"), ("path", "Path style"), ("virtual", "Virtual-hosted style"))
KINDS = (
    (ProfileKind.AWS, "Amazon S3 (AWS)"),
    (ProfileKind.S3_COMPATIBLE, "S3-compatible service"),
    (ProfileKind.LOCAL, "Local storage (this computer)"),
)


@dataclass(frozen=True)
class PresetFill:
    """The fields a provider preset sets, and the part of the endpoint left to type."""

    kind: ProfileKind
    region: str
    endpoint: str
    addressing_style: str
    hint: str
    #: (start, length) of a ``<placeholder>`` in ``endpoint`` to type over; None: none.
    placeholder: tuple[int, int] | None


def fill_from_preset(key: str, typed_region: str) -> PresetFill:
    """What preset ``key`` fills in; a region the user typed is kept (unless it is only
    another preset's default)."""
    item = preset(key)
    previous_defaults = {p.default_region for p in PRESETS}
    region = typed_region.strip()
    if not region or region in previous_defaults:
        region = item.default_region
    endpoint = item.endpoint(region)
    match = PLACEHOLDER.search(endpoint)
    span = (match.start(), match.end() - match.start()) if match is not None else None
    return PresetFill(
        kind=ProfileKind(item.kind),
        region=region,
        endpoint=endpoint,
        addressing_style=item.addressing_style,
        hint=item.hint,
        placeholder=span,
    )
