"""Copies keep what the object had: a Properties edit (a copy onto itself with
``MetadataDirective=REPLACE``) and a move carry over encryption (SSE-KMS with its key),
ACL grants, tags, metadata, content headers, Expires and the storage class. What cannot
be carried over is told before anything is copied.

moto (in-process, with a moto KMS key) behaves like S3 here: a copy keeps none of the
encryption, grants or storage class unless they are sent again. SeaweedFS, the local
server, must take every argument a copy sends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from s3uploader_gui.core.errors import AttributesNotKept
from s3uploader_gui.core.operations.objects import (
    MovePlan,
    plan_move,
    run_move,
    save_properties,
)
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.settings import ConnectionSettings
from tests.conftest import unique_bucket
from tests.helpers.s3proxy import Proxy, Request, proxy_to

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
OTHER_ID = "1111111111111111111111111111111111111111111111111111111111111111"
EXPIRES = dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=dt.UTC)


@pytest.fixture
def aws(moto_client: Any) -> tuple[S3Context, str, str]:
    """moto in AWS mode: a context, a bucket and a KMS key of the user's own."""
    import boto3

    ctx = S3Context(
        ConnectionSettings(region="us-east-1", access_key_id="testing", secret_access_key="x")
    )
    bucket = unique_bucket()
    ctx.client.create_bucket(Bucket=bucket)
    key_id = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["KeyId"]
    return ctx, bucket, str(key_id)


def put_rich(ctx: S3Context, bucket: str, key: str, kms_key: str, body: bytes = b"1234") -> None:
    """An object with everything a copy could lose."""
    client = ctx.client
    client.put_object(
        Bucket=bucket,
        Key=key,
        Body=body,
        ContentType="image/png",
        CacheControl="max-age=5",
        ContentDisposition='attachment; filename="a.png"',
        ContentEncoding="identity",
        ContentLanguage="de",
        Expires=EXPIRES,
        WebsiteRedirectLocation="/elsewhere.html",
        Metadata={"owner": "anna", "trip": "rome"},
        StorageClass="STANDARD_IA",
        ServerSideEncryption="aws:kms",
        SSEKMSKeyId=kms_key,
        Tagging="project=alpha&note=a%20b",
    )
    owner = client.get_object_acl(Bucket=bucket, Key=key)["Owner"]["ID"]
    client.put_object_acl(
        Bucket=bucket,
        Key=key,
        GrantFullControl=f'id="{owner}"',
        GrantRead=f'uri="{ALL_USERS}"',
        GrantReadACP=f'id="{OTHER_ID}"',
    )


def assert_rich(ctx: S3Context, bucket: str, key: str, kms_key: str, **changed: str) -> None:
    client = ctx.client
    head = client.head_object(Bucket=bucket, Key=key)
    expected = {
        "ContentType": "image/png",
        "CacheControl": "max-age=5",
        "ContentDisposition": 'attachment; filename="a.png"',
        "ContentEncoding": "identity",
        "ContentLanguage": "de",
        "WebsiteRedirectLocation": "/elsewhere.html",
        "StorageClass": "STANDARD_IA",
        "ServerSideEncryption": "aws:kms",
        "SSEKMSKeyId": kms_key,
    }
    expected.update(changed)
    assert {name: head.get(name) for name in expected} == expected
    assert head["Metadata"] == {"owner": "anna", "trip": "rome"}
    assert head["Expires"] == EXPIRES
    tags = client.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("note", "a b"), ("project", "alpha")]
    grants = {
        (g["Grantee"].get("URI") or g["Grantee"].get("ID"), g["Permission"])
        for g in client.get_object_acl(Bucket=bucket, Key=key)["Grants"]
    }
    assert {(ALL_USERS, "READ"), (OTHER_ID, "READ_ACP")} <= grants


# -- properties ------------------------------------------------------------------------
def test_saving_properties_keeps_everything_else(aws: tuple[S3Context, str, str]) -> None:
    ctx, bucket, kms_key = aws
    put_rich(ctx, bucket, "p.png", kms_key)
    saved = save_properties(ctx, bucket, "p.png", content_type="image/x-png", cache_control="")
    assert saved.content_type == "image/x-png"
    assert saved.kms_key_id == kms_key
    # Cache-Control was cleared by the user: the one header not kept, on purpose.
    assert_rich(ctx, bucket, "p.png", kms_key, ContentType="image/x-png", CacheControl=None)  # type: ignore[arg-type]


# -- moves -----------------------------------------------------------------------------
@pytest.mark.parametrize("size", [4, 9 * 1024 * 1024], ids=["copy-object", "multipart-copy"])
def test_a_move_keeps_everything(aws: tuple[S3Context, str, str], size: int) -> None:
    ctx, bucket, kms_key = aws
    put_rich(ctx, bucket, "src/a.png", kms_key, body=b"x" * size)
    plan = plan_move(ctx, bucket, "src/a.png", "dst/a.png")
    assert plan.not_kept == () and plan.notes == ()
    out = run_move(ctx, plan)
    assert out.moved == (("src/a.png", "dst/a.png"),), out
    assert_rich(ctx, bucket, "dst/a.png", kms_key)


def test_a_move_that_replaces_keeps_everything(aws: tuple[S3Context, str, str]) -> None:
    ctx, bucket, kms_key = aws
    put_rich(ctx, bucket, "a.png", kms_key)
    ctx.client.put_object(Bucket=bucket, Key="b.png", Body=b"old")
    out = run_move(ctx, plan_move(ctx, bucket, "a.png", "b.png"), replace_existing=True)
    assert out.moved == (("a.png", "b.png"),)
    assert_rich(ctx, bucket, "b.png", kms_key)


def test_a_folder_move_keeps_everything(aws: tuple[S3Context, str, str]) -> None:
    ctx, bucket, kms_key = aws
    for name in ["f/a.png", "f/sub/b.png"]:
        put_rich(ctx, bucket, name, kms_key)
    plan = plan_move(ctx, bucket, "f/", "g/")
    out = run_move(ctx, plan)
    assert {new for _, new in out.moved} >= {"g/a.png", "g/sub/b.png"}
    for name in ["g/a.png", "g/sub/b.png"]:
        assert_rich(ctx, bucket, name, kms_key)


def test_on_a_bucket_with_acls_disabled_nothing_is_lost(aws: tuple[S3Context, str, str]) -> None:
    """Bucket owner enforced: S3 answers GetObjectAcl with the owner's full control only."""
    ctx, bucket, _ = aws
    ctx.client.put_bucket_ownership_controls(
        Bucket=bucket,
        OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    )
    ctx.client.put_object(Bucket=bucket, Key="a.txt", Body=b"1", Metadata={"m": "v"})
    plan = plan_move(ctx, bucket, "a.txt", "b.txt")
    assert plan.not_kept == ()
    assert run_move(ctx, plan).moved == (("a.txt", "b.txt"),)
    assert ctx.client.head_object(Bucket=bucket, Key="b.txt")["Metadata"] == {"m": "v"}


# -- what cannot be kept is told before the copy ----------------------------------------
def _error(code: str, message: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
        f"<Message>{message}</Message><RequestId>1</RequestId></Error>"
    ).encode()


def _is_acl_read(request: Request) -> bool:
    return request.method == "GET" and request.query.split("&")[0] in {"acl", "acl="}


@pytest.fixture
def proxied(moto_server: str) -> Iterator[tuple[S3Context, str, Proxy]]:
    """moto's HTTP server behind a proxy that can refuse some requests."""
    with proxy_to(moto_server) as proxy:
        ctx = S3Context(
            ConnectionSettings(
                endpoint_url=proxy.endpoint_url,
                region="us-east-1",
                access_key_id="testing",
                secret_access_key="testing",
                addressing_style="path",
            )
        )
        bucket = unique_bucket()
        ctx.client.create_bucket(Bucket=bucket)
        ctx.client.put_object(
            Bucket=bucket, Key="pub.jpg", Body=b"1", ACL="public-read", ContentType="image/jpeg"
        )
        yield ctx, bucket, proxy


def _is_public(ctx: S3Context, bucket: str, key: str) -> bool:
    grants = ctx.client.get_object_acl(Bucket=bucket, Key=key)["Grants"]
    return any(g["Grantee"].get("URI") == ALL_USERS for g in grants)


def test_an_acl_that_cannot_be_read_is_told_before_the_move(
    proxied: tuple[S3Context, str, Proxy],
) -> None:
    ctx, bucket, proxy = proxied
    proxy.respond = lambda r: (
        (403, _error("AccessDenied", "Access Denied")) if _is_acl_read(r) else None
    )
    plan = plan_move(ctx, bucket, "pub.jpg", "moved.jpg")
    assert len(plan.not_kept) == 1
    assert "pub.jpg" in plan.not_kept[0] and "ACL" in plan.not_kept[0]

    out = run_move(ctx, plan)  # not accepted: the object stays where it is
    assert out.moved == () and len(out.skipped) == 1
    assert "ACL" in out.skipped[0].reason
    assert ctx.client.list_objects_v2(Bucket=bucket)["KeyCount"] == 1

    out = run_move(ctx, plan, accept_losses=True)
    assert out.moved == (("pub.jpg", "moved.jpg"),)


def test_an_acl_that_cannot_be_read_stops_a_properties_edit_until_accepted(
    proxied: tuple[S3Context, str, Proxy],
) -> None:
    ctx, bucket, proxy = proxied
    proxy.respond = lambda r: (
        (403, _error("AccessDenied", "Access Denied")) if _is_acl_read(r) else None
    )
    with pytest.raises(AttributesNotKept) as caught:
        save_properties(ctx, bucket, "pub.jpg", content_type="text/plain", cache_control="")
    assert "ACL" in caught.value.message and caught.value.not_kept
    proxy.respond = None
    head = ctx.client.head_object(Bucket=bucket, Key="pub.jpg")
    assert head["ContentType"] == "image/jpeg" and _is_public(ctx, bucket, "pub.jpg")

    proxy.respond = lambda r: (
        (403, _error("AccessDenied", "Access Denied")) if _is_acl_read(r) else None
    )
    saved = save_properties(
        ctx, bucket, "pub.jpg", content_type="text/plain", cache_control="", accept_losses=True
    )
    assert saved.content_type == "text/plain"


def test_acls_disabled_is_said_and_loses_nothing(proxied: tuple[S3Context, str, Proxy]) -> None:
    """A server that answers AccessControlListNotSupported: no grant to carry over."""
    ctx, bucket, proxy = proxied
    refused = _error("AccessControlListNotSupported", "The bucket does not allow ACLs")
    proxy.respond = lambda r: (400, refused) if _is_acl_read(r) else None
    ctx.client.put_object(Bucket=bucket, Key="a.txt", Body=b"1")
    plan = plan_move(ctx, bucket, "a.txt", "b.txt")
    assert plan.not_kept == ()
    assert len(plan.notes) == 1 and "ACLs are disabled" in plan.notes[0]
    assert run_move(ctx, plan).moved == (("a.txt", "b.txt"),)
    save_properties(ctx, bucket, "b.txt", content_type="text/x", cache_control="")


def test_a_copy_refused_for_its_kms_key_names_the_key(
    proxied: tuple[S3Context, str, Proxy],
) -> None:
    """Without kms:Decrypt on the object's key, S3 refuses the copy: the row says why and
    the original stays."""
    ctx, bucket, proxy = proxied
    ctx.client.put_object(
        Bucket=bucket, Key="k.txt", Body=b"1", ServerSideEncryption="aws:kms", SSEKMSKeyId="my-key"
    )

    def refuse_copy(request: Request) -> tuple[int, bytes] | None:
        if request.method == "PUT" and "x-amz-copy-source" in {h.lower() for h in request.headers}:
            return 403, _error("AccessDenied", "Access Denied")
        return None

    proxy.respond = refuse_copy
    out = run_move(ctx, plan_move(ctx, bucket, "k.txt", "l.txt"))
    assert out.moved == () and len(out.failed) == 1
    assert "my-key" in out.failed[0][1].message
    proxy.respond = None
    assert ctx.client.head_object(Bucket=bucket, Key="k.txt")["ContentLength"] == 1


def test_a_plan_made_elsewhere_still_keeps_everything(aws: tuple[S3Context, str, str]) -> None:
    """A MovePlan without what was read at planning time: run_move reads it itself."""
    ctx, bucket, kms_key = aws
    put_rich(ctx, bucket, "a.png", kms_key)
    out = run_move(ctx, MovePlan(bucket, "a.png", "b.png", (("a.png", "b.png"),), ()))
    assert out.moved == (("a.png", "b.png"),)
    assert_rich(ctx, bucket, "b.png", kms_key)


# -- SeaweedFS takes what a copy sends -------------------------------------------------
def test_seaweedfs_keeps_what_a_move_and_an_edit_carry(
    seaweed_context: S3Context, seaweed_bucket: str
) -> None:
    ctx, bucket = seaweed_context, seaweed_bucket
    ctx.client.put_object(
        Bucket=bucket,
        Key="a.txt",
        Body=b"1",
        ContentType="text/x-a",
        ContentLanguage="de",
        Expires=EXPIRES,
        Metadata={"owner": "anna"},
        StorageClass="STANDARD_IA",
        ServerSideEncryption="AES256",
        Tagging="project=alpha",
    )
    plan = plan_move(ctx, bucket, "a.txt", "b.txt")
    assert plan.not_kept == ()
    assert run_move(ctx, plan).moved == (("a.txt", "b.txt"),)
    save_properties(ctx, bucket, "b.txt", content_type="text/x-b", cache_control="no-cache")
    head = ctx.client.head_object(Bucket=bucket, Key="b.txt")
    assert head["ContentType"] == "text/x-b" and head["CacheControl"] == "no-cache"
    assert head["ContentLanguage"] == "de" and head["Expires"] == EXPIRES
    assert head["Metadata"] == {"owner": "anna"}
    assert head["StorageClass"] == "STANDARD_IA"
    assert head["ServerSideEncryption"] == "AES256"
    tags = ctx.client.get_object_tagging(Bucket=bucket, Key="b.txt")["TagSet"]
    assert tags == [{"Key": "project", "Value": "alpha"}]
