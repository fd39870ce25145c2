"""What ``existing.ExistingKeys`` plans and learns: a listing planned or in flight
(``Slice``) and what one saw (``Span``). Loaded by the first listing: a batch that
overwrites never lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from s3uploader_gui.core.s3.listing_types import ObjectInfo


@dataclass
class Slice:
    """A listing planned or in flight: the objects of ``folder`` after ``after`` up to
    at least ``last`` (the largest planned key)."""

    number: int
    folder: str
    after: str
    last: str
    keys: int
    #: Items waiting for this listing's answer.
    parked: list[int] = field(default_factory=list)

    @property
    def pages(self) -> int:
        """The page budget: a few pages beyond what the planned keys fill."""
        return 2 + 2 * self.keys // 1000

    @property
    def page_size(self) -> int:
        return min(1000, max(64, 2 * self.keys))


@dataclass(frozen=True)
class Span:
    """What a listing saw: every object of ``folder`` with a key in (after, upto]
    (upto None: to the folder's end), as of ``at``."""

    folder: str
    after: str
    upto: str | None
    objects: dict[str, ObjectInfo]
    at: float
    #: The page budget ran out before the planned keys were all covered.
    dense: bool = False
