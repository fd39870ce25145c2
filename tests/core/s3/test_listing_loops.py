"""Listings end: a server whose ListObjectsV2 neither advances nor ends stops every
listing path with ``ListingLoop`` (a crafted server on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from s3uploader_gui.core.errors import ListingLoop, ServerError
from s3uploader_gui.core.gallery import gallery_images
from s3uploader_gui.core.operations.downloads import Selection, plan_downloads
from s3uploader_gui.core.operations.objects import delete_objects, plan_move
from s3uploader_gui.core.s3 import listing
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.listing import PageStream, iter_objects, list_page
from s3uploader_gui.core.s3.settings import ConnectionSettings
from tests.helpers.listserver import ListingServer, listing_server

MODES = ["repeat-token", "no-token", "same-page"]


def _context(server: ListingServer) -> S3Context:
    return S3Context(
        ConnectionSettings(
            endpoint_url=server.endpoint_url,
            region="us-east-1",
            access_key_id="testing",
            secret_access_key="testing",
            addressing_style="path",
        )
    )


@pytest.fixture(params=MODES)
def server(request: pytest.FixtureRequest) -> Iterator[ListingServer]:
    with listing_server(request.param) as running:
        yield running


@pytest.fixture(params=["fast", "botocore"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Pages after the first as a plain GET (the fast path), or all through botocore."""
    if request.param == "botocore":
        monkeypatch.setattr(listing, "_fast_listing_allowed", lambda client: False)
    return str(request.param)


def test_iter_objects_stops_with_a_typed_error(server: ListingServer, path: str) -> None:
    client = _context(server).client
    keys: list[str] = []
    with pytest.raises(ListingLoop) as caught:
        for page in iter_objects(client, "bkt", "pre/", page_size=2):
            keys += [o.key for o in page.objects]
    assert "s3://bkt/pre/" in caught.value.message
    assert caught.value.message.count(".") == 1  # one sentence
    # No key is shown twice, and the server was not asked again and again.
    assert len(keys) == len(set(keys))
    assert server.list_requests <= 4


def test_list_page_refuses_a_page_that_does_not_advance(path: str) -> None:
    with listing_server("repeat-token") as server:
        client = _context(server).client
        first = list_page(client, "bkt", "p/", page_size=2)
        assert first.next_token == "T1"
        with pytest.raises(ListingLoop):
            list_page(client, "bkt", "p/", "T1", page_size=2)
    with listing_server("no-token") as server, pytest.raises(ListingLoop):
        list_page(_context(server).client, "bkt", "p/", page_size=2)


def test_stream_fails_again_on_a_retry_without_looping(path: str) -> None:
    with listing_server("repeat-token") as server:
        stream = PageStream(_context(server).client, "bkt", "p/", page_size=2)
        try:
            stream.next_page()
            for _ in range(2):
                with pytest.raises(ListingLoop):
                    stream.next_page()
            assert stream.token == "T1" and not stream.done
        finally:
            stream.close()
        assert server.list_requests <= 5


def test_delete_of_a_folder_stops_and_deletes_only_what_was_listed(server: ListingServer) -> None:
    outcome = delete_objects(_context(server), "bkt", prefixes=["folder"])
    assert [(name, type(err)) for name, err in outcome.failed] == [("folder", ListingLoop)]
    assert len(server.deleted) == len(set(server.deleted))
    assert set(outcome.deleted) == set(server.deleted) <= {f"folder/k{i}" for i in range(4)}
    # The pages until the loop shows, plus the one-key listing that looks for the folder's
    # marker (deleted only when it was listed): a handful, not an endless loop.
    assert server.list_requests <= 5


def test_move_of_a_folder_stops_with_a_typed_error(server: ListingServer) -> None:
    with pytest.raises(ListingLoop):
        plan_move(_context(server), "bkt", "folder/", "elsewhere/")
    assert server.list_requests <= 4


def test_an_entry_without_a_key_is_an_error_not_a_dropped_object(path: str) -> None:
    with listing_server("no-key") as server:
        pages = iter_objects(_context(server).client, "bkt", "p/", page_size=2)
        assert [o.key for o in next(pages).objects] == ["p/k0", "p/k1"]
        with pytest.raises(ServerError, match=r"s3://bkt/p/ holds an object without a key"):
            next(pages)


def test_download_of_a_folder_plans_a_problem_not_an_endless_list(
    server: ListingServer, tmp_path: Path
) -> None:
    plan = plan_downloads(_context(server), "bkt", [Selection("folder/", folder=True)], tmp_path)
    assert [(p.key, p.error.code) for p in plan.problems] == [("folder/", "ListingLoop")]
    assert server.list_requests <= 4


def test_gallery_images_stop_with_a_typed_error(server: ListingServer) -> None:
    with pytest.raises(ListingLoop):
        gallery_images(_context(server).client, "bkt", "pics/")
    assert server.list_requests <= 4
