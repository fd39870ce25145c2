"""The existence lookup trusts a listing only for the keys it covered, in key order, and
only for a short while."""

from __future__ import annotations

import pytest

from s3uploader_gui.core.s3.listing_types import ObjectInfo, Page
from s3uploader_gui.core.transfers import existing
from s3uploader_gui.core.transfers.existing import UNKNOWN, ExistingKeys, Unordered, folder_of


def _page(*keys: str, token: str | None = None) -> Page:
    return Page([], [ObjectInfo(k, 1, None, "") for k in keys], token)


def test_folder_of() -> None:
    assert folder_of("a/b/c.jpg") == "a/b/"
    assert folder_of("c.jpg") == ""


def test_a_handful_of_keys_keeps_the_head() -> None:
    lookup = ExistingKeys()
    assert lookup.plan("d/f0", [f"d/f{i}" for i in range(1, 5)]) is None
    assert lookup.plan("d/f0", [f"d/f{i}" for i in range(1, 8)]) is not None


def test_only_the_listed_range_of_the_folder_is_known_and_only_for_a_while() -> None:
    now = [100.0]
    lookup = ExistingKeys(clock=lambda: now[0])
    upcoming = [f"d/f{i:02}" for i in range(1, 10)] + ["e/other"]
    planned = lookup.plan("d/f00", upcoming)
    assert planned is not None
    assert (planned.folder, planned.after, planned.last) == ("d/", "d/f0", "d/f09")
    assert lookup.waiting_for("d/f05") is planned

    def page(prefix: str, after: str, token: str | None, size: int) -> Page:
        assert (prefix, after) == ("d/", "d/f0")
        return _page("d/f03", "d/f10", token="more") if token is None else _page("d/f11")

    span = lookup.fetch(planned, page)
    assert span.upto == "d/f10"  # it stopped past the largest planned key
    lookup.learnt(planned, span)
    assert lookup.known("d/f03") == ObjectInfo("d/f03", 1, None, "")
    assert lookup.known("d/f04") is None
    assert lookup.known("d/f11") is UNKNOWN  # not listed
    assert lookup.known("d/f") is UNKNOWN  # before the listed range
    assert lookup.known("d/x/f05") is UNKNOWN  # another folder
    now[0] += existing.TRUST_S + 1
    assert lookup.known("d/f04") is UNKNOWN  # too old to trust


@pytest.mark.parametrize(
    "keys",
    [("d/f05", "d/f03"), ("d/f05", "d/f05"), ("d/f0",), ("d/x/f05",), ("e/f05",)],
)
def test_a_page_out_of_order_or_out_of_range_is_not_trusted(keys: tuple[str, ...]) -> None:
    lookup = ExistingKeys()
    planned = lookup.plan("d/f00", [f"d/f{i:02}" for i in range(1, 10)])
    assert planned is not None
    with pytest.raises(Unordered):
        lookup.fetch(planned, lambda *_: _page(*keys))


def test_a_failed_listing_turns_listing_off() -> None:
    lookup = ExistingKeys()
    planned = lookup.plan("d/f00", [f"d/f{i:02}" for i in range(1, 10)])
    assert planned is not None
    planned.parked.append(3)
    assert lookup.learnt(planned, None) == [3]
    assert lookup.known("d/f01") is UNKNOWN
    assert lookup.plan("d/f00", [f"d/f{i:02}" for i in range(1, 10)]) is None
