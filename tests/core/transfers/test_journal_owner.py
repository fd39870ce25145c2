"""Journal rows carry their owner: an instance offers, reuses and aborts only the uploads of
instances that are gone, never those of one still running."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.engine import TransferEngine
from s3uploader_gui.core.transfers.journal import Journal, JournalPart
from s3uploader_gui.core.transfers.journal_owner import Owner, is_alive, owner_of, this_process
from tests.helpers.owners import gone_owner, running_owner


@pytest.fixture
def live_owner() -> Iterator[Owner]:
    """Another program that runs for the whole test."""
    with running_owner() as owner:
        yield owner


@pytest.fixture
def dead_owner() -> Owner:
    """A program that ran and is gone (its pid may even be reused meanwhile)."""
    return gone_owner()


def test_owner_identity_and_liveness(live_owner: Owner, dead_owner: Owner) -> None:
    me = this_process()
    assert is_alive(me) and me.started
    assert is_alive(live_owner)
    assert not is_alive(dead_owner)
    assert owner_of(dead_owner.pid) != dead_owner  # gone, or the pid is another process now
    # The same pid with another start time is another process (a recycled pid).
    assert not is_alive(Owner(live_owner.pid, live_owner.started + "0"))
    assert not is_alive(Owner(0, ""))


def test_only_the_rows_of_a_gone_instance_are_offered(
    tmp_path: Path, live_owner: Owner, dead_owner: Owner
) -> None:
    path = tmp_path / "j.sqlite3"
    other = Journal(path, owner=live_owner)
    crashed = Journal(path, owner=dead_owner)
    mine = Journal(path)
    try:
        running = other.begin("c", "b", "running.bin", tmp_path / "running.bin", 10, 1)
        other.set_multipart(running.id, "upload-live", 5 << 20, "CRC32")
        other.add_part(running.id, JournalPart(1, 5 << 20, '"e1"', "AAAA"))
        other.set_state(running.id, "uploading")
        left = crashed.begin("c", "b", "left.bin", tmp_path / "left.bin", 20, 2)
        crashed.set_multipart(left.id, "upload-dead", 5 << 20, "CRC32")
        crashed.set_state(left.id, "uploading")
        own = mine.begin("c", "b", "own.bin", tmp_path / "own.bin", 30, 3)

        # Every unfinished row is still listed; only the gone instance's are offered.
        assert {i.id for i in mine.unfinished()} == {running.id, left.id, own.id}
        assert [i.id for i in mine.resumable()] == [left.id]
        assert [i.id for i in mine.resumable("c")] == [left.id]
        assert mine.resumable("other") == []
        (offered,) = mine.resumable()
        assert offered.owner == dead_owner

        # The same file and key as the running instance's upload: a row of its own; the
        # running one keeps its state, its upload id and its parts.
        again = mine.begin("c", "b", "running.bin", tmp_path / "running.bin", 10, 1)
        assert again.id != running.id and again.upload_id is None
        kept = mine.get(running.id)
        assert kept is not None and kept.state == "uploading"
        assert kept.upload_id == "upload-live" and kept.owner == live_owner
        assert len(mine.parts(running.id)) == 1

        # The gone instance's upload is taken over: the same row, now this instance's.
        taken = mine.begin("c", "b", "left.bin", tmp_path / "left.bin", 20, 2)
        assert taken.id == left.id and taken.upload_id == "upload-dead"
        assert taken.owner == this_process()
        assert mine.resumable() == []

        # Forgetting never drops a running instance's rows.
        mine.forget([running.id, left.id])
        assert mine.get(running.id) is not None
        assert mine.get(left.id) is None
    finally:
        for journal in (other, crashed, mine):
            journal.close()


def test_claim_takes_only_what_nobody_running_holds(
    tmp_path: Path, live_owner: Owner, dead_owner: Owner
) -> None:
    path = tmp_path / "j.sqlite3"
    other = Journal(path, owner=live_owner)
    crashed = Journal(path, owner=dead_owner)
    mine = Journal(path)
    try:
        a = other.begin("c", "b", "a", tmp_path / "a", 1, 1)
        b = crashed.begin("c", "b", "b", tmp_path / "b", 1, 1)
        c = mine.begin("c", "b", "c", tmp_path / "c", 1, 1)
        assert sorted(mine.claim([a.id, b.id, c.id])) == sorted([b.id, c.id])
        got = mine.get(b.id)
        assert got is not None and got.owner == this_process()
    finally:
        for journal in (other, crashed, mine):
            journal.close()


def test_discard_never_aborts_a_running_instances_upload(
    seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path, live_owner: Owner,
    dead_owner: Owner,
) -> None:  # fmt: skip
    """Answering "No" to a resume offer aborts the gone instance's upload only."""
    client = seaweed_context.client
    path = tmp_path / "j.sqlite3"
    other = Journal(path, owner=live_owner)
    crashed = Journal(path, owner=dead_owner)
    mine = Journal(path)
    engine = TransferEngine(seaweed_context, journal=mine)
    try:
        rows = []
        for journal, key in ((other, "live.bin"), (crashed, "dead.bin")):
            upload = client.create_multipart_upload(Bucket=seaweed_bucket, Key=key)
            row = journal.begin("SeaweedFS", seaweed_bucket, key, tmp_path / key, 10, 1)
            journal.set_multipart(row.id, upload["UploadId"], 5 << 20, "CRC32")
            journal.set_state(row.id, "uploading")
            rows.append(journal.get(row.id))
        # Even when handed every unfinished row (an offer made from an older list):
        engine.discard(mine.unfinished())
        uploads = client.list_multipart_uploads(Bucket=seaweed_bucket).get("Uploads", [])
        assert [u["Key"] for u in uploads] == ["live.bin"]
        assert [i.key for i in mine.unfinished()] == ["live.bin"]
    finally:
        engine.close()
        for journal in (other, crashed, mine):
            journal.close()
        for upload in client.list_multipart_uploads(Bucket=seaweed_bucket).get("Uploads", []):
            client.abort_multipart_upload(
                Bucket=seaweed_bucket, Key=upload["Key"], UploadId=upload["UploadId"]
            )
