"""What a copy of an object must send again so that the copy keeps what the object had.

S3 has no "copy everything": a CopyObject (or a multipart copy) gives the new object the
bucket's default encryption, a private ACL and the STANDARD storage class unless they
are sent again, and a copy with ``MetadataDirective=REPLACE`` (a Properties edit) also
drops the headers and metadata it does not name. So every copy this app makes sends,
from a HEAD, GetObjectAcl and GetObjectTagging of its source: the user metadata,
Content-Type/-Disposition/-Encoding/-Language, Cache-Control, Expires, the website
redirect, the storage class, the encryption (with the KMS key id), the Object Lock
settings, the tags, and the ACL grants beyond the owner's own.

What cannot be sent again (an ACL or tags these credentials may not read, a grant with
no grantee to name, SSE-C) is a sentence in ``not_kept``, known before the copy: moves
and Properties edits refuse to go on until the user accepts it. Where the bucket has
ACLs disabled, there is no grant to lose, and ``notes`` says so.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from s3uploader_gui.core.errors import AccessDenied, AclNotSupported, AppError, Cancelled
from s3uploader_gui.core.objects import (
    ObjectProperties,
    object_acl,
    object_properties,
    object_tags,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from s3uploader_gui.core.cancel import CancelToken
    from s3uploader_gui.core.s3.client import S3Client

#: ACL permissions of an object, and the copy argument that grants each.
_GRANT_ARGS = {
    "READ": "GrantRead",
    "READ_ACP": "GrantReadACP",
    "WRITE_ACP": "GrantWriteACP",
    "FULL_CONTROL": "GrantFullControl",
}
#: How a grantee is named in a grant header, by the field GetObjectAcl gives.
_GRANTEE_FIELDS = (("ID", "id"), ("URI", "uri"), ("EmailAddress", "emailAddress"))
#: Answers of a server that has no ACLs or tags at all: nothing to carry over.
_ABSENT = {"NotImplemented", "501", "MethodNotAllowed", "405", "XNotImplemented"}


@dataclass(frozen=True)
class CarryOver:
    """What a copy of ``key`` sends to keep what it has, and what it cannot keep."""

    key: str
    #: Copy arguments (CopyObject / boto3's managed copy ``ExtraArgs``).
    args: Mapping[str, Any] = field(default_factory=dict)
    #: One sentence per thing the copy would lose, each naming the object.
    not_kept: tuple[str, ...] = ()
    #: The KMS key the object is encrypted with ("" when none): a refused copy names it.
    kms_key: str = ""


class CarryOverReader:
    """Reads what objects of one bucket have, as copy arguments. Safe across threads.

    It remembers answers that hold for the whole bucket: ACLs disabled (said once in
    ``notes``), or a server without ACLs or tags (then not asked again).
    """

    def __init__(self, client: S3Client, bucket: str) -> None:
        self.client = client
        self.bucket = bucket
        self._lock = threading.Lock()
        self._no_acls = False
        self._no_tags = False
        self._notes: list[str] = []

    @property
    def notes(self) -> tuple[str, ...]:
        """Sentences worth telling that lose nothing (ACLs disabled on the bucket)."""
        with self._lock:
            return tuple(self._notes)

    def read(self, key: str, props: ObjectProperties | None = None) -> CarryOver:
        """HEAD (unless ``props`` is given), ACL and tags of ``key`` as a ``CarryOver``.

        Raises the HEAD's error (a missing object, bad credentials); an ACL or tags that
        cannot be read become sentences of ``not_kept``.
        """
        if props is None:
            props = object_properties(self.client, self.bucket, key)
        args, lost = header_args(props)
        grants, lost_grants = self._grants(key)
        tags, lost_tags = self._tags(key)
        args.update(grants)
        args.update(tags)
        kms = props.kms_key_id if props.server_side_encryption.startswith("aws:kms") else ""
        return CarryOver(key, args, (*lost, *lost_grants, *lost_tags), kms)

    def _grants(self, key: str) -> tuple[dict[str, str], list[str]]:
        with self._lock:
            if self._no_acls:
                return {}, []
        try:
            acl = object_acl(self.client, self.bucket, key)
        except AclNotSupported:
            self._remember_no_acls(
                f"ACLs are disabled on bucket “{self.bucket}”: access comes from its "
                "policy, so copies lose none."
            )
            return {}, []
        except AppError as err:
            if err.fatal:
                raise
            if err.code in _ABSENT:
                self._remember_no_acls("")
                return {}, []
            why = "access denied" if isinstance(err, AccessDenied) else err.message
            return {}, [
                f"“{key}”: its ACL could not be read ({why}), so the copy would get the "
                "bucket's default access."
            ]
        return grant_args(key, acl)

    def _remember_no_acls(self, note: str) -> None:
        with self._lock:
            if not self._no_acls and note:
                self._notes.append(note)
            self._no_acls = True

    def _tags(self, key: str) -> tuple[dict[str, str], list[str]]:
        with self._lock:
            if self._no_tags:
                return {}, []
        try:
            tags = object_tags(self.client, self.bucket, key)
        except AppError as err:
            if err.fatal:
                raise
            if err.code in _ABSENT:
                with self._lock:
                    self._no_tags = True
                return {}, []
            why = "access denied" if isinstance(err, AccessDenied) else err.message
            return {}, [
                f"“{key}”: its tags could not be read ({why}), so the copy would have none."
            ]
        if not tags:
            return {}, []
        from urllib.parse import urlencode

        return {"TaggingDirective": "REPLACE", "Tagging": urlencode(tags)}, []


#: Objects whose HEAD, ACL and tags ``read_carry_over`` reads at once.
_READERS = 8


def read_carry_over(
    client: S3Client, bucket: str, keys: Sequence[str], *, cancel: CancelToken | None = None
) -> tuple[dict[str, CarryOver], tuple[str, ...]]:
    """What the copy of each of ``keys`` must carry over (by key), and the notes.

    A few requests per object, eight objects at once. An object that cannot be read now
    (gone, access denied) is left out: its copy reads it again and fails alone. A fatal
    error (credentials) and a cancel end the whole read.
    """
    from concurrent.futures import ThreadPoolExecutor

    reader = CarryOverReader(client, bucket)

    def read(key: str) -> CarryOver | None:
        if cancel is not None:
            cancel.raise_if_cancelled()
        try:
            return reader.read(key)
        except AppError as err:
            if err.fatal or isinstance(err, Cancelled):
                raise
            return None

    if not keys:
        return {}, ()
    with ThreadPoolExecutor(max_workers=min(_READERS, len(keys))) as pool:
        carried = [c for c in pool.map(read, keys) if c is not None]
    return {c.key: c for c in carried}, reader.notes


def kms_hint(err: AppError, carry: CarryOver | None) -> AppError:
    """A copy refused for an object under a KMS key: the error names the key it needs."""
    if carry is None or not carry.kms_key or not isinstance(err, AccessDenied):
        return err
    return AccessDenied(
        f"“{carry.key}” was not copied: it is encrypted with the KMS key {carry.kms_key}, "
        "which these credentials may not be allowed to use (kms:Decrypt, "
        "kms:GenerateDataKey).",
        code=err.code,
    )


def header_args(props: ObjectProperties) -> tuple[dict[str, Any], list[str]]:
    """The copy arguments that keep the object's headers, metadata, storage class,
    encryption and Object Lock settings; and what of them cannot be sent again."""
    key = props.key
    args: dict[str, Any] = {"MetadataDirective": "REPLACE", "Metadata": dict(props.metadata)}
    lost: list[str] = []
    for name, value in (
        ("ContentType", props.content_type),
        ("CacheControl", props.cache_control),
        ("ContentDisposition", props.content_disposition),
        ("ContentEncoding", props.content_encoding),
        ("ContentLanguage", props.content_language),
        ("WebsiteRedirectLocation", props.website_redirect),
    ):
        if value:
            args[name] = value
    if props.expires is not None:
        args["Expires"] = props.expires
    elif props.expires_text:
        lost.append(
            f"“{key}”: its Expires header “{props.expires_text}” is not a date, so it "
            "cannot be sent again."
        )
    # S3 leaves StorageClass out for STANDARD, and a copy is STANDARD unless told.
    if props.storage_class and props.storage_class != "STANDARD":
        args["StorageClass"] = props.storage_class
    if props.server_side_encryption:
        args["ServerSideEncryption"] = props.server_side_encryption
        if props.kms_key_id and props.server_side_encryption.startswith("aws:kms"):
            args["SSEKMSKeyId"] = props.kms_key_id
    if props.customer_key_algorithm:
        lost.append(
            f"“{key}”: it is encrypted with a key of your own (SSE-C), which this app "
            "does not have, so it cannot be copied."
        )
    if props.lock_mode and props.lock_until is not None:
        args["ObjectLockMode"] = props.lock_mode
        args["ObjectLockRetainUntilDate"] = props.lock_until
    if props.legal_hold == "ON":
        args["ObjectLockLegalHoldStatus"] = "ON"
    return args, lost


def grant_args(key: str, acl: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The ACL as copy arguments (``GrantRead``...) when it grants more than its owner's
    full control (a copy gets that by itself); and the grants that cannot be sent again."""
    owner = (acl.get("Owner") or {}).get("ID")
    grants = acl.get("Grants") or []
    if all(g.get("Grantee", {}).get("ID") == owner for g in grants):
        return {}, []
    args: dict[str, list[str]] = {}
    lost: list[str] = []
    for grant in grants:
        permission = str(grant.get("Permission", ""))
        name = _GRANT_ARGS.get(permission)
        grantee = grant.get("Grantee") or {}
        who = next(
            (f'{arg}="{grantee[field]}"' for field, arg in _GRANTEE_FIELDS if grantee.get(field)),
            "",
        )
        if name and who:
            args.setdefault(name, []).append(who)
        else:
            label = grantee.get("DisplayName") or grantee.get("Type") or "someone"
            lost.append(
                f"“{key}”: its {permission or 'unnamed'} grant to {label} cannot be sent "
                "again, so the copy would not have it."
            )
    return {name: ", ".join(who) for name, who in args.items()}, lost
