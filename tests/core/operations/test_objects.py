"""Delete, move/rename, new folder and properties through ``core.operations.objects``,
against SeaweedFS (and moto where a server that ignores conditional copies matters)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import BucketNotFound, Cancelled, ConfigError
from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.operations.objects import (
    EXISTS_AT_TARGET,
    MovePlan,
    SkippedMove,
    delete_objects,
    load_properties,
    new_folder,
    plan_move,
    run_move,
    save_properties,
)
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.settings import ConnectionSettings
from tests.conftest import seaweed_settings, unique_bucket


def put(context: S3Context, bucket: str, objects: dict[str, bytes]) -> None:
    for key, body in objects.items():
        context.client.put_object(Bucket=bucket, Key=key, Body=body)


def body(context: S3Context, bucket: str, key: str) -> bytes:
    data: bytes = context.client.get_object(Bucket=bucket, Key=key)["Body"].read()
    return data


def keys(context: S3Context, bucket: str) -> set[str]:
    found: set[str] = set()
    for page in context.client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        found.update(o["Key"] for o in page.get("Contents", []))
    return found


class Calls:
    """Counts the requests a client sends, by operation name."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.names: list[str] = []
        self.params: list[tuple[str, dict[str, Any]]] = []
        client.meta.events.register("provide-client-params.s3.*", self._seen)

    def _seen(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.names.append(model.name)
        self.params.append((model.name, dict(params)))

    def count(self, name: str) -> int:
        return self.names.count(name)

    def close(self) -> None:
        self.client.meta.events.unregister("provide-client-params.s3.*", self._seen)


@pytest.fixture
def calls(seaweed_context: S3Context) -> Iterator[Calls]:
    spy = Calls(seaweed_context.client)
    yield spy
    spy.close()


# -- move / rename: nothing at the target is replaced unless asked ----------------------
def test_rename_onto_an_existing_key_is_not_done_without_replace(
    seaweed_context: S3Context, seaweed_bucket: str
) -> None:
    ctx, b = seaweed_context, seaweed_bucket
    put(ctx, b, {"a.txt": b"new content", "b.txt": b"precious"})
    plan = plan_move(ctx, b, "a.txt", "b.txt")
    assert plan.pairs == (("a.txt", "b.txt"),)
    assert plan.existing == ("b.txt",)

    out = run_move(ctx, plan)
    assert out.moved == () and out.failed == ()
    assert out.skipped == (SkippedMove("a.txt", "b.txt", EXISTS_AT_TARGET),)
    assert "exists at the target" in out.skipped[0].message
    assert body(ctx, b, "b.txt") == b"precious"
    assert body(ctx, b, "a.txt") == b"new content"

    out = run_move(ctx, plan, replace_existing=True)
    assert out.moved == (("a.txt", "b.txt"),) and not out.skipped
    assert body(ctx, b, "b.txt") == b"new content"
    assert keys(ctx, b) == {"b.txt"}


def test_moving_a_folder_checks_every_target_with_one_listing(
    seaweed_context: S3Context, seaweed_bucket: str, calls: Calls
) -> None:
    ctx, b = seaweed_context, seaweed_bucket
    sources = {f"src/{i:02d}.jpg": f"source {i}".encode() for i in range(30)}
    sources["src/sub/deep.jpg"] = b"deep"
    put(ctx, b, sources)
    put(ctx, b, {"dst/": b"", "dst/07.jpg": b"the one already there", "dst/other": b"o"})

    calls.names.clear()
    plan = plan_move(ctx, b, "src/", "dst/")
    assert plan.existing == ("dst/07.jpg",)
    objects = [(old, new) for old, new in plan.pairs if not old.endswith("/")]
    assert objects == [(k, "dst/" + k[4:]) for k in sorted(sources)]
    # Never one HEAD per target key: the targets come from one listing. (Each source
    # is read, HEAD, ACL and tags, for what its copy must carry over.)
    heads = [p["Key"] for name, p in calls.params if name == "HeadObject"]
    assert not [k for k in heads if k.startswith("dst/")]
    assert calls.count("ListObjectsV2") <= 4

    out = run_move(ctx, plan, replace_existing=False)
    assert out.skipped == (SkippedMove("src/07.jpg", "dst/07.jpg", EXISTS_AT_TARGET),)
    assert not out.failed
    assert len([old for old, _ in out.moved if not old.endswith("/")]) == 30
    assert body(ctx, b, "dst/07.jpg") == b"the one already there"
    assert body(ctx, b, "src/07.jpg") == b"source 7"
    assert body(ctx, b, "dst/08.jpg") == b"source 8"
    assert body(ctx, b, "dst/sub/deep.jpg") == b"deep"
    assert keys(ctx, b) == {"src/07.jpg", "dst/", "dst/other"} | {f"dst/{k[4:]}" for k in sources}


def test_a_target_that_appears_after_planning_is_not_replaced(
    seaweed_context: S3Context, seaweed_bucket: str
) -> None:
    ctx, b = seaweed_context, seaweed_bucket
    put(ctx, b, {"a.txt": b"mine"})
    plan = plan_move(ctx, b, "a.txt", "b.txt")
    assert plan.existing == ()
    put(ctx, b, {"b.txt": b"someone else's"})
    out = run_move(ctx, plan)
    assert [s.reason for s in out.skipped] == [EXISTS_AT_TARGET]
    assert body(ctx, b, "b.txt") == b"someone else's"
    assert body(ctx, b, "a.txt") == b"mine"


def test_the_copy_itself_is_conditional(
    seaweed: LocalServerInfo, seaweed_context: S3Context, seaweed_bucket: str
) -> None:
    """A target written between the last check and the copy is still not replaced:
    the copy carries If-None-Match, which SeaweedFS honours."""
    ctx, b = seaweed_context, seaweed_bucket
    other = S3Context(seaweed_settings(seaweed)).client
    put(ctx, b, {"a.txt": b"mine"})
    plan = plan_move(ctx, b, "a.txt", "b.txt")

    def sneak_in(**_: Any) -> None:
        other.put_object(Bucket=b, Key="b.txt", Body=b"written meanwhile")

    ctx.client.meta.events.register("before-call.s3.CopyObject", sneak_in)
    try:
        out = run_move(ctx, plan)
    finally:
        ctx.client.meta.events.unregister("before-call.s3.CopyObject", sneak_in)
    assert [s.reason for s in out.skipped] == [EXISTS_AT_TARGET]
    assert body(ctx, b, "b.txt") == b"written meanwhile"
    assert body(ctx, b, "a.txt") == b"mine"


def test_a_server_that_ignores_the_condition_still_gets_no_replacement(
    moto_context: S3Context,
) -> None:
    """moto ignores If-None-Match on CopyObject (it replaces): the HEAD right before
    the copy is what keeps the target there."""
    ctx = moto_context
    b = unique_bucket()
    ctx.client.create_bucket(Bucket=b)
    put(ctx, b, {"a.txt": b"mine", "f/1": b"one", "f/2": b"two"})
    plans = [plan_move(ctx, b, "a.txt", "b.txt"), plan_move(ctx, b, "f/", "g/")]
    put(ctx, b, {"b.txt": b"theirs", "g/2": b"theirs too"})
    out = run_move(ctx, plans[0])
    assert [s.reason for s in out.skipped] == [EXISTS_AT_TARGET]
    out = run_move(ctx, plans[1])
    assert out.moved == (("f/1", "g/1"),)
    assert [(s.source, s.target) for s in out.skipped] == [("f/2", "g/2")]
    assert body(ctx, b, "b.txt") == b"theirs"
    assert body(ctx, b, "g/2") == b"theirs too"
    assert keys(ctx, b) == {"a.txt", "b.txt", "f/2", "g/1", "g/2"}


def test_on_aws_the_conditional_copy_is_the_check(moto_client: Any) -> None:
    """AWS honours If-None-Match on CopyObject: no HEAD before each copy there."""
    ctx = S3Context(
        ConnectionSettings(region="us-east-1", access_key_id="testing", secret_access_key="x")
    )
    b = unique_bucket()
    ctx.client.create_bucket(Bucket=b)
    put(ctx, b, {"f/1": b"1", "f/2": b"2", "f/3": b"3", "g/3": b"kept"})
    plan = plan_move(ctx, b, "f/", "g/")
    assert plan.existing == ("g/3",)
    spy = Calls(ctx.client)
    try:
        out = run_move(ctx, plan)
    finally:
        spy.close()
    assert out.moved == (("f/1", "g/1"), ("f/2", "g/2"))
    assert [s.source for s in out.skipped] == ["f/3"]
    # Known at planning: not even tried (moto, unlike AWS, would have replaced it).
    assert body(ctx, b, "g/3") == b"kept"
    assert spy.count("HeadObject") == 0
    copies = [p for name, p in spy.params if name == "CopyObject"]
    assert [p["IfNoneMatch"] for p in copies] == ["*", "*"]


def test_moving_onto_itself_is_refused(seaweed_context: S3Context, seaweed_bucket: str) -> None:
    ctx, b = seaweed_context, seaweed_bucket
    put(ctx, b, {"a.txt": b"a", "f/x": b"x"})
    with pytest.raises(ConfigError, match="onto itself"):
        plan_move(ctx, b, "a.txt", "a.txt")
    with pytest.raises(ConfigError, match="onto itself"):
        plan_move(ctx, b, "f/", "f")
    with pytest.raises(ConfigError, match="into itself"):
        plan_move(ctx, b, "f/", "f/inner/")
    assert keys(ctx, b) == {"a.txt", "f/x"}


def test_an_object_moved_into_a_folder_keeps_its_name(
    seaweed_context: S3Context, seaweed_bucket: str
) -> None:
    ctx, b = seaweed_context, seaweed_bucket
    put(ctx, b, {"in/a.txt": b"a"})
    out = run_move(ctx, plan_move(ctx, b, "in/a.txt", "out/"))
    assert out.moved == (("in/a.txt", "out/a.txt"),)
    assert keys(ctx, b) == {"out/a.txt"}


def test_a_missing_source_fails_alone(seaweed_context: S3Context, seaweed_bucket: str) -> None:
    ctx, b = seaweed_context, seaweed_bucket
    put(ctx, b, {"keep.txt": b"k", "also.txt": b"a"})
    plan = MovePlan(
        bucket=b,
        source="",
        target="",
        pairs=(("keep.txt", "k2"), ("gone.txt", "x.txt"), ("also.txt", "a2")),
        existing=(),
    )
    done: list[int] = []
    out = run_move(ctx, plan, progress=done.append)
    assert [k for k, _ in out.failed] == ["gone.txt"]
    assert out.moved == (("keep.txt", "k2"), ("also.txt", "a2"))
    assert sum(done) == 3
    assert keys(ctx, b) == {"k2", "a2"}


def test_moving_a_folder_up_onto_its_own_contents(
    seaweed_context: S3Context, seaweed_bucket: str
) -> None:
    """a/b/ → a/ : a/b/b/x would land on a/b/x, which is itself moving; it is left
    alone even when replacing is allowed, so nothing is lost."""
    ctx, b = seaweed_context, seaweed_bucket
    put(ctx, b, {"a/b/x": b"outer", "a/b/b/x": b"inner"})
    plan = plan_move(ctx, b, "a/b/", "a/")
    assert plan.existing == ("a/b/x",)
    out = run_move(ctx, plan, replace_existing=True)
    assert [m for m in out.moved if not m[0].endswith("/")] == [("a/b/x", "a/x")]
    assert [s.source for s in out.skipped] == ["a/b/b/x"]
    assert body(ctx, b, "a/x") == b"outer"
    assert body(ctx, b, "a/b/b/x") == b"inner"


def test_move_cancelled_before_anything_raises(
    seaweed_context: S3Context, seaweed_bucket: str
) -> None:
    ctx, b = seaweed_context, seaweed_bucket
    put(ctx, b, {"a.txt": b"a"})
    plan = plan_move(ctx, b, "a.txt", "b.txt")
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        run_move(ctx, plan, cancel=token)
    assert keys(ctx, b) == {"a.txt"}


# -- delete: a bad item never stops the others ------------------------------------------
def test_one_failed_delete_does_not_stop_the_others(
    seaweed_context: S3Context, seaweed_bucket: str
) -> None:
    ctx, b = seaweed_context, seaweed_bucket
    put(ctx, b, {"a": b"1", "bad": b"2", "c": b"3", "dir/x": b"4", "dir/y/z": b"5", "keep": b"6"})
    refused: list[str] = []

    def drop(params: dict[str, Any], **_: Any) -> None:
        objects = params["Delete"]["Objects"]
        if any(o["Key"] == "bad" for o in objects):
            refused.append("bad")
            params["Delete"]["Objects"] = [o for o in objects if o["Key"] != "bad"]

    def report(parsed: dict[str, Any], **_: Any) -> None:
        if refused:
            parsed.setdefault("Errors", []).append(
                {"Key": refused.pop(), "Code": "AccessDenied", "Message": "Access Denied"}
            )

    events = ctx.client.meta.events
    events.register("provide-client-params.s3.DeleteObjects", drop)
    events.register("after-call.s3.DeleteObjects", report)
    done: list[int] = []
    try:
        out = delete_objects(ctx, b, ["a", "bad", "c"], ["dir/"], progress=done.append)
    finally:
        events.unregister("provide-client-params.s3.DeleteObjects", drop)
        events.unregister("after-call.s3.DeleteObjects", report)
    assert [k for k, _ in out.failed] == ["bad"]
    assert out.failed[0][1].code == "AccessDenied"
    assert {"a", "c", "dir/x", "dir/y/z"} <= set(out.deleted)
    assert out.folders_removed == 1
    assert out.object_count == 4
    assert sum(done) == 5  # three keys, then the folder's two objects (it has no marker)
    assert keys(ctx, b) == {"bad", "keep"}


def test_deleting_a_folder_reports_its_marker_only_when_it_was_there(
    seaweed_context: S3Context, seaweed_bucket: str, calls: Calls
) -> None:
    ctx, b = seaweed_context, seaweed_bucket
    put(ctx, b, {"plain/a": b"1", "plain/sub/b": b"2", "marked/": b"", "marked/c": b"3"})
    calls.params.clear()
    out = delete_objects(ctx, b, prefixes=["plain/", "marked"])
    assert not out.failed and out.folders_removed == 2
    # SeaweedFS answers a HEAD of "plain/" (a directory): only a listing tells.
    assert set(out.deleted) == {"plain/a", "plain/sub/b", "marked/", "marked/c"}
    sent = [
        o["Key"]
        for name, p in calls.params
        if name == "DeleteObjects"
        for o in p["Delete"]["Objects"]
    ]
    assert "plain/" not in sent and sent.count("marked/") == 1
    assert keys(ctx, b) == set()


def test_delete_a_folder_is_only_that_folder(
    seaweed_context: S3Context, seaweed_bucket: str
) -> None:
    ctx, b = seaweed_context, seaweed_bucket
    put(ctx, b, {"photos/": b"", "photos/a.jpg": b"a", "photos-old/b.jpg": b"b", "photos": b"f"})
    out = delete_objects(ctx, b, prefixes=["photos"])
    # SeaweedFS keeps one entry per name: the object "photos" replaced the marker
    # "photos/", which its listings then no longer show (so it is not deleted again).
    assert "photos/a.jpg" in out.deleted
    assert set(out.deleted) <= {"photos/", "photos/a.jpg"}
    assert out.object_count == 1 and out.folders_removed == 1
    assert keys(ctx, b) == {"photos-old/b.jpg", "photos"}


def test_delete_in_a_missing_bucket_fails_as_a_whole(seaweed_context: S3Context) -> None:
    with pytest.raises(BucketNotFound):
        delete_objects(seaweed_context, unique_bucket("gone"), ["a", "b"])
    with pytest.raises(BucketNotFound):
        delete_objects(seaweed_context, unique_bucket("gone"), prefixes=["dir/"])


def test_delete_cancelled_before_anything_raises_and_deletes_nothing(
    seaweed_context: S3Context, seaweed_bucket: str
) -> None:
    ctx, b = seaweed_context, seaweed_bucket
    put(ctx, b, {"a": b"1", "d/x": b"2"})
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        delete_objects(ctx, b, ["a"], ["d/"], cancel=token)
    assert keys(ctx, b) == {"a", "d/x"}


def test_delete_cancelled_part_way_reports_what_is_gone(
    seaweed_context: S3Context, seaweed_bucket: str
) -> None:
    ctx, b = seaweed_context, seaweed_bucket
    put(ctx, b, {"a": b"1", "d/x": b"2"})
    token = CancelToken()
    out = delete_objects(ctx, b, ["a"], ["d/"], cancel=token, progress=lambda n: token.cancel())
    assert out.deleted == ("a",) and out.cancelled and out.folders_removed == 0
    assert keys(ctx, b) == {"d/x"}


# -- new folder, properties -------------------------------------------------------------
def test_new_folder(seaweed_context: S3Context, seaweed_bucket: str) -> None:
    ctx, b = seaweed_context, seaweed_bucket
    made = new_folder(ctx, b, "photos/", " 2026/ ")
    assert made.key == "photos/2026/"
    assert new_folder(ctx, b, "photos", "2026").key == "photos/2026/"  # already there: fine
    assert keys(ctx, b) == {"photos/2026/"}
    with pytest.raises(ConfigError):
        new_folder(ctx, b, "", " / ")


def test_properties_round_trip(seaweed_context: S3Context, seaweed_bucket: str) -> None:
    ctx, b = seaweed_context, seaweed_bucket
    ctx.client.put_object(
        Bucket=b, Key="p.jpg", Body=b"1234", ContentType="binary/x", Metadata={"owner": "anna"}
    )
    props = load_properties(ctx, b, "p.jpg")
    assert (props.size, props.content_type, props.metadata) == (4, "binary/x", {"owner": "anna"})
    saved = save_properties(ctx, b, "p.jpg", content_type="image/jpeg", cache_control="max-age=60")
    assert (saved.content_type, saved.cache_control) == ("image/jpeg", "max-age=60")
    assert saved.metadata == {"owner": "anna"}
    assert body(ctx, b, "p.jpg") == b"1234"


def test_saving_properties_keeps_encryption_and_public_access(moto_client: Any) -> None:
    """A copy onto itself drops the encryption setting and the ACL grants unless they
    are sent again (moto, like S3, drops them)."""
    ctx = S3Context(
        ConnectionSettings(region="us-east-1", access_key_id="testing", secret_access_key="x")
    )
    b = unique_bucket()
    ctx.client.create_bucket(Bucket=b)
    ctx.client.put_object(
        Bucket=b, Key="pub.jpg", Body=b"1", ACL="public-read", ServerSideEncryption="AES256"
    )
    saved = save_properties(ctx, b, "pub.jpg", content_type="image/jpeg", cache_control="")
    assert saved.content_type == "image/jpeg"
    assert saved.server_side_encryption == "AES256"
    grants = ctx.client.get_object_acl(Bucket=b, Key="pub.jpg")["Grants"]
    assert any(
        g["Grantee"].get("URI", "").endswith("/global/AllUsers") and g["Permission"] == "READ"
        for g in grants
    )
