"""Delete, move/rename, new folder, new bucket and properties: what both faces call.

The rule that protects data here: a move (or rename) never replaces an object that is
already at its target unless the caller says so (``replace_existing=True``, after the
user confirmed). ``plan_move`` finds every target that exists (one listing for a folder,
not one request per key) so a face can ask once; ``run_move`` checks again at copy time,
because a target may appear after planning: a conditional copy (``If-None-Match: *``)
where the server is known to honour it, and a HEAD right before the copy as well where
it is not (some servers ignore the header and replace silently).

Every item ends in one row (moved, skipped with why, failed with the error, cancelled);
a bad item never stops the others. Only a failure of the whole operation raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from s3uploader_gui.core.errors import (
    AppError,
    AttributesNotKept,
    Cancelled,
    ConfigError,
)
from s3uploader_gui.core.objects import (
    KeyCopier,
    ObjectProperties,
    create_bucket,
    delete_keys,
    managed_copy,
    object_exists,
    object_properties,
    prefix_keys,
    put_marker,
)
from s3uploader_gui.core.operations.carry_over import (
    CarryOver,
    CarryOverReader,
    kms_hint,
    read_carry_over,
)
from s3uploader_gui.core.s3.listing import iter_objects

if TYPE_CHECKING:
    from s3uploader_gui.core.cancel import CancelToken
    from s3uploader_gui.core.s3.client import S3Client, S3Context

__all__ = [
    "ALREADY_THERE",
    "EXISTS_AT_TARGET",
    "NOT_KEPT",
    "TARGET_IS_MOVING",
    "CarryOver",
    "DeleteOutcome",
    "MoveOutcome",
    "MovePlan",
    "NewBucket",
    "NewFolder",
    "ObjectProperties",
    "SkippedMove",
    "delete_objects",
    "load_properties",
    "new_bucket",
    "new_folder",
    "plan_move",
    "run_move",
    "save_properties",
]

Progress = Callable[[int], None]

#: Why a move left an item where it was: something is at its target already.
EXISTS_AT_TARGET = "exists at the target"
#: Why a move skipped an item whose target is another item of the same move.
TARGET_IS_MOVING = "its target is itself being moved: move it again afterwards"
#: Why a move skipped an item that is already where it should go.
ALREADY_THERE = "it is already there"
#: Why a move skipped an item whose copy would lose something (the sentences follow).
NOT_KEPT = "its copy would lose what it has, and that was not accepted: "


def _stopped(cancel: CancelToken | None) -> bool:
    return cancel is not None and cancel.cancelled


def _until_stopped(
    keys: Iterable[str], cancel: CancelToken | None, errors: list[AppError]
) -> Iterator[str]:
    """``keys`` until the user cancels or the listing behind them fails (kept in
    ``errors``): what was deleted so far is then still reported."""
    it = iter(keys)
    while not _stopped(cancel):
        try:
            key = next(it)
        except StopIteration:
            return
        except AppError as err:
            errors.append(err)
            return
        yield key


# -- delete ----------------------------------------------------------------------------
@dataclass(frozen=True)
class DeleteOutcome:
    """What a delete did: every key deleted, every key that failed (with why)."""

    bucket: str
    deleted: tuple[str, ...]
    failed: tuple[tuple[str, AppError], ...]
    #: Folders (prefixes) deleted with everything in them, without a failure.
    folders_removed: int
    #: True when the user cancelled part way (what is in ``deleted`` is gone).
    cancelled: bool = False

    @property
    def object_count(self) -> int:
        """Objects deleted, folder markers (keys ending in "/") not counted."""
        return sum(1 for k in self.deleted if not k.endswith("/"))


def delete_objects(
    context: S3Context,
    bucket: str,
    keys: Sequence[str] = (),
    prefixes: Sequence[str] = (),
    *,
    cancel: CancelToken | None = None,
    progress: Progress | None = None,
) -> DeleteOutcome:
    """Delete ``keys`` (batched, 1,000 a request) and the folders ``prefixes`` with
    everything in them (a prefix "a" is the folder "a/"; "" is the whole bucket).

    A key that fails is a row of ``failed``; the others are still deleted. Raises
    ``Cancelled`` when cancelled before anything was deleted, and a fatal error (bad
    credentials, no such bucket) when it came before anything was deleted; after that
    such an error ends the run and is reported in ``failed``.
    """
    client = context.client
    deleted: list[str] = []
    failed: list[tuple[str, AppError]] = []
    folders = 0
    groups: list[tuple[str | None, Iterable[str]]] = []
    if keys:
        groups.append((None, keys))
    groups += [(prefix, prefix_keys(client, bucket, prefix)) for prefix in prefixes]
    for prefix, group in groups:
        if _stopped(cancel):
            break
        errors: list[AppError] = []
        result = delete_keys(
            client, bucket, _until_stopped(group, cancel, errors), progress=progress
        )
        deleted += result.deleted
        failed += result.failed
        failed += [(prefix or "", err) for err in errors]  # the folder's listing failed
        fatal = next((e for _, e in failed if e.fatal), None)
        if fatal is not None and not deleted:
            raise fatal
        if fatal is not None:
            break
        if prefix is not None and not result.failed and not errors and not _stopped(cancel):
            folders += 1
    if _stopped(cancel) and not deleted and not failed:
        raise Cancelled()
    return DeleteOutcome(
        bucket=bucket,
        deleted=tuple(deleted),
        failed=tuple(failed),
        folders_removed=folders,
        cancelled=_stopped(cancel),
    )


# -- move / rename ---------------------------------------------------------------------
@dataclass(frozen=True)
class MovePlan:
    """The (from, to) key pairs of a move, and which targets already exist."""

    bucket: str
    source: str
    target: str
    pairs: tuple[tuple[str, str], ...]
    #: Every target key that exists now (folder markers aside: they hold nothing).
    existing: tuple[str, ...]
    #: What the copies cannot keep (one sentence each, naming the object): ask first.
    not_kept: tuple[str, ...] = ()
    #: Worth telling, nothing lost (the bucket has ACLs disabled).
    notes: tuple[str, ...] = ()
    #: What each source's copy sends to keep what it has (by source key; a key missing
    #: here is read again when it is copied).
    carry: Mapping[str, CarryOver] = field(default_factory=dict)

    @property
    def is_folder(self) -> bool:
        return self.source.endswith("/")


@dataclass(frozen=True)
class SkippedMove:
    """An item left where it was, and why."""

    source: str
    target: str
    reason: str

    @property
    def message(self) -> str:
        """One line for a person: which item stayed, and why."""
        return f"{self.source} was not moved to {self.target} ({self.reason})."


@dataclass(frozen=True)
class MoveOutcome:
    """One row per pair: moved, skipped (with why), failed (with the error), cancelled."""

    bucket: str
    moved: tuple[tuple[str, str], ...]
    skipped: tuple[SkippedMove, ...]
    failed: tuple[tuple[str, AppError], ...]
    #: Sources not tried because the user cancelled.
    cancelled: tuple[str, ...] = ()


def plan_move(
    context: S3Context,
    bucket: str,
    source: str,
    target: str,
    *,
    cancel: CancelToken | None = None,
) -> MovePlan:
    """Plan moving an object, or a folder when ``source`` ends in "/".

    An object moved to a key ending in "/" keeps its name in that folder. Moving onto
    itself, or a folder into itself, raises ``ConfigError``. ``existing`` lists every
    target key that is already there, found with one listing of the target folder.
    """
    return _plan_move(context.client, bucket, source, target, cancel=cancel)


def _plan_move(
    client: S3Client,
    bucket: str,
    source: str,
    target: str,
    *,
    cancel: CancelToken | None = None,
) -> MovePlan:
    if not source:
        raise ConfigError("Choose an object or a folder to move.")
    if not source.endswith("/"):
        if target.endswith("/") or not target:
            target += source.rsplit("/", 1)[-1]
        if target == source:
            raise ConfigError(f"“{source}” cannot be moved onto itself.")
        there = (target,) if object_exists(client, bucket, target) else ()
        return _with_carry(client, MovePlan(bucket, source, target, ((source, target),), there))
    if target and not target.endswith("/"):
        target += "/"
    if target == source:
        raise ConfigError(f"“{source}” cannot be moved onto itself.")
    if target.startswith(source):
        raise ConfigError("A folder cannot be moved into itself.")
    pairs: list[tuple[str, str]] = []
    for page in iter_objects(client, bucket, source, recursive=True, cancel=cancel):
        pairs.extend((o.key, target + o.key[len(source) :]) for o in page.objects)
    # Listings leave out the folder's own marker object: move it too when it exists, and
    # make one for an empty folder so that it still appears at its new place.
    if target and (not pairs or object_exists(client, bucket, source)):
        pairs.insert(0, (source, target))
    found: set[str] = set()
    for page in iter_objects(client, bucket, target, recursive=True, cancel=cancel):
        found.update(o.key for o in page.objects)
    existing = tuple(new for _, new in pairs if new in found and not new.endswith("/"))
    plan = MovePlan(bucket, source, target, tuple(pairs), existing)
    return _with_carry(client, plan, cancel=cancel)


def _with_carry(client: S3Client, plan: MovePlan, *, cancel: CancelToken | None = None) -> MovePlan:
    """``plan`` with what each copy must carry over, read now so that what cannot be
    kept is known before anything is copied."""
    keys = [old for old, new in plan.pairs if not (old.endswith("/") and new.endswith("/"))]
    carry, notes = read_carry_over(client, plan.bucket, keys, cancel=cancel)
    not_kept = tuple(line for key in keys if key in carry for line in carry[key].not_kept)
    return MovePlan(
        plan.bucket,
        plan.source,
        plan.target,
        plan.pairs,
        plan.existing,
        not_kept=not_kept,
        notes=notes,
        carry=carry,
    )


def run_move(
    context: S3Context,
    plan: MovePlan,
    *,
    replace_existing: bool = False,
    accept_losses: bool = False,
    cancel: CancelToken | None = None,
    progress: Progress | None = None,
) -> MoveOutcome:
    """Copy each pair, then delete the originals whose copy exists.

    Without ``replace_existing`` nothing at a target is replaced: the targets in
    ``plan.existing`` and any that appeared since are skipped rows ("exists at the
    target"), source and target both left as they are. Each copy keeps what its object
    has (``plan.carry``); an object whose copy would lose something (``plan.not_kept``)
    is a skipped row unless ``accept_losses``. An original is deleted only once its copy
    exists, so a failure never loses data. Raises ``Cancelled`` when cancelled before
    anything moved, and a fatal error when nothing could be moved at all.
    """
    return _run_move(
        context.client,
        plan,
        replace_existing=replace_existing,
        accept_losses=accept_losses,
        cancel=cancel,
        progress=progress,
    )


def _run_move(
    client: S3Client,
    plan: MovePlan,
    *,
    replace_existing: bool,
    accept_losses: bool,
    cancel: CancelToken | None,
    progress: Progress | None,
) -> MoveOutcome:
    bucket = plan.bucket
    copier = KeyCopier(client, bucket)
    reader = CarryOverReader(client, bucket)
    existing = set(plan.existing)
    sources = {old for old, _ in plan.pairs}
    copied: list[tuple[str, str]] = []
    skipped: list[SkippedMove] = []
    failed: list[tuple[str, AppError]] = []
    cancelled: list[str] = []
    fatal: AppError | None = None
    for old, new in plan.pairs:
        if _stopped(cancel):
            cancelled.append(old)
            continue
        if fatal is not None:
            failed.append((old, fatal))
            continue
        reason = _skip_reason(old, new, sources, existing, replace_existing)
        carry: CarryOver | None = None
        try:
            if not reason:
                carry = _carry_for(reader, plan, old, new)
                if carry is not None and carry.not_kept and not accept_losses:
                    reason = NOT_KEPT + " ".join(carry.not_kept)
            if reason:
                skipped.append(SkippedMove(old, new, reason))
            elif copier.copy(
                old, new, replace=replace_existing, extra=carry.args if carry else None
            ):
                copied.append((old, new))
            else:
                skipped.append(SkippedMove(old, new, EXISTS_AT_TARGET))
        except AppError as err:
            failed.append((old, kms_hint(err, carry)))
            if err.fatal:
                fatal = err
        if progress is not None:
            progress(1)
    if not copied and fatal is not None:
        raise fatal
    if not copied and cancelled and not skipped and not failed:
        raise Cancelled()
    result = delete_keys(client, bucket, [old for old, _ in copied])
    gone = set(result.deleted)
    failed += result.failed
    return MoveOutcome(
        bucket=bucket,
        moved=tuple((o, n) for o, n in copied if o in gone),
        skipped=tuple(skipped),
        failed=tuple(failed),
        cancelled=tuple(cancelled),
    )


def _skip_reason(
    old: str, new: str, sources: set[str], existing: set[str], replace_existing: bool
) -> str:
    """Why the pair is left as it is ("" when it is to be copied)."""
    if old == new:
        return ALREADY_THERE
    if new in sources and not new.endswith("/"):
        # Replacing it would lose it: its own copy runs later, its original is deleted
        # at the end.
        return TARGET_IS_MOVING if replace_existing else EXISTS_AT_TARGET
    if new in existing and not replace_existing:
        return EXISTS_AT_TARGET
    return ""


def _carry_for(reader: CarryOverReader, plan: MovePlan, old: str, new: str) -> CarryOver | None:
    """What the copy of ``old`` sends: from the plan, else read now (None: a marker)."""
    if old.endswith("/") and new.endswith("/"):
        return None
    return plan.carry.get(old) or reader.read(old)


# -- new folder, new bucket ------------------------------------------------------------
@dataclass(frozen=True)
class NewFolder:
    bucket: str
    #: The marker key, ending in "/".
    key: str


def new_folder(context: S3Context, bucket: str, parent: str, name: str) -> NewFolder:
    """Create the folder ``name`` in ``parent`` ("" or ending in "/") as a marker object.

    "a/b" creates nested folders. An existing folder of that name is left as it is.
    """
    name = name.strip().strip("/")
    if not name:
        raise ConfigError("A folder needs a name.")
    if parent and not parent.endswith("/"):
        parent += "/"
    key = parent + name + "/"
    put_marker(context.client, bucket, key)
    return NewFolder(bucket=bucket, key=key)


@dataclass(frozen=True)
class NewBucket:
    name: str
    region: str


def new_bucket(context: S3Context, name: str, region: str | None = None) -> NewBucket:
    """Create the bucket ``name`` in ``region`` (the connection's region when None)."""
    client = context.client
    region = region or client.meta.region_name or "us-east-1"
    create_bucket(client, name, region)
    return NewBucket(name=name, region=region)


# -- properties ------------------------------------------------------------------------
def load_properties(context: S3Context, bucket: str, key: str) -> ObjectProperties:
    """What the server tells about one object (HeadObject)."""
    return object_properties(context.client, bucket, key)


def save_properties(
    context: S3Context,
    bucket: str,
    key: str,
    *,
    content_type: str,
    cache_control: str,
    accept_losses: bool = False,
) -> ObjectProperties:
    """Set Content-Type and Cache-Control (empty: none); the properties after.

    S3 cannot change an object's headers in place: the object is copied onto itself with
    ``MetadataDirective=REPLACE``, sending again everything else it has (``carry_over``).
    When something cannot be carried over, nothing is copied and ``AttributesNotKept``
    says what, unless ``accept_losses``.
    """
    client = context.client
    carry = CarryOverReader(client, bucket).read(key)
    if carry.not_kept and not accept_losses:
        raise AttributesNotKept(
            f"Saving would copy “{key}” onto itself and lose what it has: "
            + " ".join(carry.not_kept)
            + " Nothing was changed.",
            carry.not_kept,
        )
    args = dict(carry.args)
    for name, value in (("ContentType", content_type), ("CacheControl", cache_control)):
        if value.strip():
            args[name] = value.strip()
        else:
            args.pop(name, None)
    try:
        managed_copy(client, bucket, key, bucket, key, args)
    except AppError as err:
        raise kms_hint(err, carry) from err
    return object_properties(client, bucket, key)
