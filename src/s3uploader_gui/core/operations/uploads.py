"""Uploads, planned and then run: the one home of the rule that keys are unique within a batch.

Two files given together can map to one key: the same name from two folders, a key
template that drops the folder, ``a.png`` and ``a.jpg`` both converted to ``a.webp``, a
"rename" candidate (``a (1).jpg``) that is itself in the batch. Sent as they are, the
second silently replaces the first. So an upload is planned before anything is sent, and
every source the user gave ends in exactly one row: uploaded, skipped or failed, with why.

Both faces call the same three steps:

1. ``expand_paths``: files and folders walked into candidates (path, key, size), and the
   paths that cannot be uploaded. (The GUI renders each queued row's key itself, from its
   key template, and goes straight to step 2.)
2. ``plan_uploads``: which candidate goes to which final key (after an image conversion
   changes its extension) and which is not sent because another one holds its key. Under
   ``rename`` both are stored (``IMG_0001.JPG``, ``IMG_0001 (1).JPG``); under every other
   policy the clash is reported for the item not stored, before anything is sent.
3. ``run_uploads``: the plan through ``TransferEngine.upload``, one ``ItemResult`` per
   candidate. The engine keeps the rest of the rule while the batch runs: a rename
   because the server already has a key skips every key the plan reserved, and an item
   whose request the server answered as stored counts as uploaded even if cancel was
   pressed meanwhile.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import AppError, Cancelled, LocalFileError
from s3uploader_gui.core.naming import (
    UploadSource,
    expand_sources,
    is_image_name,
    key_clash,
    normalize_key,
    renamed_key,
    warm_content_types,
)
from s3uploader_gui.core.operations.upload_indices import (
    RowControl,
    RowProgress,
    mapped_ask,
    mapped_start,
    mapped_state,
)
from s3uploader_gui.core.transfers.control import BatchControl
from s3uploader_gui.core.transfers.model import (
    AskFn,
    ConflictPolicy,
    ItemCallback,
    ItemResult,
    ItemStatus,
    PrepareFn,
    StateCallback,
)
from s3uploader_gui.core.transfers.progress import TransferProgress

if TYPE_CHECKING:
    from s3uploader_gui.core.imaging.options import ImageOptions
    from s3uploader_gui.core.imaging.prepare import ImagePreparer
    from s3uploader_gui.core.transfers.engine import TransferEngine

#: Maps a key to the key its file is uploaded to after preparation (``a.png`` → ``a.webp``).
KeyConverter = Callable[[str], str]

#: The error of an item not sent because the batch stopped at a fatal error.
STOPPED = "Not uploaded: the upload stopped at an error that affects every file."


# -- 1. expanding paths -----------------------------------------------------------------------
@dataclass(frozen=True)
class ExpandedPaths:
    """Files and folders walked into upload candidates, in the order given."""

    #: One (path, key, size) per file, the key being the prefix and the relative path.
    candidates: tuple[UploadSource, ...]
    #: The paths that cannot be uploaded (missing, unreadable, an empty folder...).
    problems: tuple[tuple[Path, LocalFileError], ...]


def expand_paths(paths: Iterable[str | os.PathLike[str]], prefix: str = "") -> ExpandedPaths:
    """Walk files and folders into candidates for ``plan_uploads``.

    A folder keeps its own name and structure under ``prefix`` (``~/Photos`` on ``trip/``
    gives ``trip/Photos/a.jpg``). Two files that map to one key are both kept: the plan
    decides between them and says so. Only the very same file reached twice for one key
    (a path given twice) is listed once.
    """
    sources, problems = expand_sources(paths, prefix)
    warm_content_types(s.key for s in sources)
    return ExpandedPaths(tuple(sources), tuple(problems))


# -- 2. planning --------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlannedUpload:
    """A candidate that will be sent, and the key it goes to."""

    #: The candidate's position among those given to ``plan_uploads``.
    index: int
    #: The candidate as given (its ``key`` is the one it was given).
    source: UploadSource
    #: The final key: after a rename within the batch and the predicted image conversion.
    key: str
    #: The key before any image conversion (the candidate's, or its renamed form).
    base_key: str

    @property
    def renamed(self) -> bool:
        """True when another file of the batch held this one's key, so it was renamed."""
        return self.base_key != normalize_key(self.source.key)


@dataclass(frozen=True)
class RejectedUpload:
    """A candidate that is not sent: another file of the batch goes to its key."""

    index: int
    source: UploadSource
    #: The key both files would go to.
    key: str
    #: A ``KeyClash`` error whose message is the sentence to show.
    error: AppError

    @property
    def reason(self) -> str:
        """One sentence: "Another file in this upload, <path>, goes to the same key <key>."."""
        return self.error.message


@dataclass(frozen=True)
class UploadPlan:
    """Which candidates go to which final keys, and which are not sent and why."""

    policy: ConflictPolicy
    #: The candidates to send, in order, each with its final key (unique in the batch).
    items: tuple[PlannedUpload, ...]
    #: The candidates not sent, in order (never under ``rename``).
    rejected: tuple[RejectedUpload, ...]
    #: Every key the batch holds or must leave alone (the items' keys and ``taken``):
    #: a rename while the batch runs never lands on one of them.
    reserved: frozenset[str]

    @property
    def size(self) -> int:
        """How many candidates were planned (items and rejected together)."""
        return len(self.items) + len(self.rejected)


def converted_key(key: str, path: Path, options: ImageOptions) -> str:
    """The key ``ImagePreparer`` gives the file at ``path``, sent to ``key`` with ``options``.

    Predicted from the file's name, without opening it: ``a.png`` converted to WebP goes
    to ``a.webp``, a HEIC kept in its format becomes a JPEG. An animation that stays in
    its format, or a file whose name lies about its content, can end elsewhere: the
    engine then keeps the keys unique as the item starts.
    """
    if not options.changes_files or not is_image_name(path.name):
        return key
    from s3uploader_gui.core.imaging.formats import (
        _CHOSEN_FORMAT,
        _KEEP_AS,
        FORMAT_INFO,
        avif_supported,
    )
    from s3uploader_gui.core.imaging.prepare import output_key

    in_format = _FORMAT_OF_EXTENSION.get(PurePosixPath(path.name).suffix.lower(), "")
    chosen = _CHOSEN_FORMAT.get(options.format) or _KEEP_AS.get(in_format, in_format)
    if chosen == "AVIF" and not avif_supported():
        chosen = "JPEG"
    if chosen not in FORMAT_INFO:
        chosen = "PNG"
    return output_key(key, FORMAT_INFO[chosen][0])


#: The format Pillow reports for each image extension (``naming.IMAGE_EXTENSIONS``).
_FORMAT_OF_EXTENSION = {
    ".jpg": "JPEG", ".jpeg": "JPEG", ".jpe": "JPEG", ".png": "PNG", ".gif": "GIF",
    ".webp": "WEBP", ".avif": "AVIF", ".heic": "HEIF", ".heif": "HEIF", ".tif": "TIFF",
    ".tiff": "TIFF", ".bmp": "BMP",
}  # fmt: skip


def _same(key: str) -> str:
    return key


def _converters(
    convert: KeyConverter | ImageOptions | ImagePreparer | None,
) -> Callable[[UploadSource], KeyConverter]:
    """For each candidate, the function that gives the key its file ends at."""
    if convert is None:
        return lambda _candidate: _same
    from s3uploader_gui.core.imaging.options import ImageOptions
    from s3uploader_gui.core.imaging.prepare import ImagePreparer

    if isinstance(convert, ImageOptions):
        options = convert
        return lambda c: lambda key: converted_key(key, c.path, options)
    if isinstance(convert, ImagePreparer):
        preparer = convert
        # Per-item options are looked up by the candidate's own key, as the preparer does.
        return lambda c: lambda key: converted_key(key, c.path, preparer.options_for(c))
    function = convert
    return lambda _candidate: function


def plan_uploads(
    candidates: Sequence[UploadSource],
    *,
    policy: ConflictPolicy,
    convert: KeyConverter | ImageOptions | ImagePreparer | None = None,
    taken: Collection[str] | Mapping[str, Path] = (),
) -> UploadPlan:
    """Decide, before anything is sent, which candidate goes to which key.

    Keys are unique within a batch (compared as exact strings after NFC normalisation;
    the final keys are NFC). The first candidate to want a key keeps it; one that wants a
    key already held (by an earlier candidate, or in ``taken``: keys that earlier rows of
    the same queue use, with their files when a mapping) is, under ``rename``, stored
    under the first alternative name (``a (1).jpg``) that no candidate of the batch wants
    and nothing holds, and under every other policy rejected with one sentence.

    ``convert`` says where image conversion puts a file: an ``ImagePreparer`` (its
    per-item options included) or ``ImageOptions``, or a function from key to key. Pass
    the same preparer to ``run_uploads``.
    """
    converters = _converters(convert)
    held_by_others: dict[str, Path | None] = {}
    if isinstance(taken, Mapping):
        for key, path in taken.items():
            held_by_others[normalize_key(key)] = Path(path) if path is not None else None
    else:
        held_by_others.update((normalize_key(key), None) for key in taken)
    convert_of = [converters(c) for c in candidates]
    bases = [normalize_key(c.key) for c in candidates]
    wanted = [normalize_key(f(b)) for f, b in zip(convert_of, bases, strict=True)]
    all_wanted = set(wanted)
    holder: dict[str, int] = {}
    items: list[PlannedUpload] = []
    rejected: list[RejectedUpload] = []
    for index, candidate in enumerate(candidates):
        key = wanted[index]
        if key not in holder and key not in held_by_others:
            holder[key] = index
            items.append(PlannedUpload(index, candidate, key, bases[index]))
            continue
        if policy is ConflictPolicy.RENAME:
            n = 0
            while True:
                n += 1
                base = normalize_key(renamed_key(bases[index], n))
                final = normalize_key(convert_of[index](base))
                if final not in all_wanted and final not in holder and final not in held_by_others:
                    break
            holder[final] = index
            items.append(PlannedUpload(index, candidate, final, base))
            continue
        other = candidates[holder[key]].path if key in holder else held_by_others[key]
        rejected.append(RejectedUpload(index, candidate, key, key_clash(key, other)))
    reserved = frozenset(holder) | frozenset(held_by_others)
    return UploadPlan(policy, tuple(items), tuple(rejected), reserved)


# -- 3. running ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class UploadOutcome:
    """What happened to every candidate of a plan: one row each, in the plan's order."""

    #: One row per candidate (``results[i].index == i``), planning rejections included.
    results: tuple[ItemResult, ...]
    #: The first error that affects every file (credentials, endpoint), if the batch met
    #: one; with ``stop_on_fatal`` the items not stored after it are CANCELLED.
    fatal: AppError | None = None

    def count(self, status: ItemStatus) -> int:
        """How many rows ended in ``status``."""
        return sum(1 for r in self.results if r.status is status)

    @property
    def uploaded(self) -> int:
        return self.count(ItemStatus.DONE)

    @property
    def skipped(self) -> int:
        return self.count(ItemStatus.SKIPPED)

    @property
    def failed(self) -> int:
        return self.count(ItemStatus.FAILED)

    @property
    def cancelled(self) -> int:
        return self.count(ItemStatus.CANCELLED)


def _keeping_planned_keys(prepare: PrepareFn, planned: Mapping[str, PlannedUpload]) -> PrepareFn:
    """``prepare`` given each candidate as it was planned (per-item options are found by
    its own key), its result sent to the planned key: the renamed base key with the
    extension the conversion really gave."""
    from s3uploader_gui.core.imaging.prepare import output_key

    def prepared(source: UploadSource, cancel: CancelToken) -> UploadSource:
        item = planned[source.key]
        out = prepare(item.source, cancel)
        if out.key == item.source.key:
            key = item.base_key  # not converted
        else:
            key = output_key(item.base_key, PurePosixPath(out.key).suffix.lower())
        return replace(out, key=key)

    return prepared


def _sent_as(item: PlannedUpload, key: str) -> UploadSource:
    """The item's source, sent to ``key`` (the source itself where that is its key)."""
    source = item.source
    return source if source.key == key else replace(source, key=key)


def run_uploads(
    engine: TransferEngine,
    bucket: str,
    plan: UploadPlan,
    *,
    prepare: PrepareFn | None = None,
    progress: TransferProgress | None = None,
    cancel: CancelToken | None = None,
    on_item: ItemCallback | None = None,
    on_start: Callable[[int], None] | None = None,
    on_state: StateCallback | None = None,
    control: BatchControl | None = None,
    ask: AskFn | None = None,
    prepare_workers: int | None = None,
    stop_on_fatal: bool = True,
    on_notice: Callable[[str], None] | None = None,
) -> UploadOutcome:
    """Send the plan's items with ``engine``; one row per candidate of the plan.

    The rejected candidates are reported first (``on_item``, FAILED, code ``KeyClash``),
    before anything is sent. Every index the callbacks, ``progress`` and ``control`` see
    is the candidate's index in the plan. The plan's policy decides what happens when
    the server already has a key; a rename then skips every key the plan reserved.
    ``prepare`` (an ``ImagePreparer``, say) must be the one the plan was made with: each
    item is prepared from its candidate and sent to its planned key.

    With ``stop_on_fatal``, the first error that affects every file (wrong secret, lost
    endpoint) cancels ``cancel`` (one is made when None): the items not stored after it
    end CANCELLED, each with a row, and the outcome carries the error. An item the server
    answered as stored is DONE even when the cancel came while its answer was on its way.
    ``on_notice`` gets what the user should know about the whole batch (the journal could
    not be written: it cannot be resumed), once. Callbacks run on the calling thread.
    """
    token = cancel or CancelToken()
    results: dict[int, ItemResult] = {}
    fatal: list[AppError] = []

    def report(result: ItemResult) -> None:
        results[result.index] = result
        if on_item is not None:
            on_item(result)

    for rejection in plan.rejected:
        report(
            ItemResult(
                rejection.index,
                rejection.key,
                rejection.source.path,
                ItemStatus.FAILED,
                0,
                rejection.error,
            )
        )
    if not plan.items:
        return UploadOutcome(tuple(results[i] for i in sorted(results)))

    rows = [item.index for item in plan.items]
    identity = rows == list(range(len(rows)))

    def finished(result: ItemResult) -> None:
        if not identity:
            result = replace(result, index=rows[result.index])
        err = result.error
        if result.status is ItemStatus.FAILED and err is not None and err.fatal:
            if stop_on_fatal and not fatal:
                fatal.append(err)
                token.cancel()
        elif fatal and result.status is ItemStatus.CANCELLED:
            result = replace(result, error=Cancelled(STOPPED))
        report(result)

    # Without a preparation step nothing is converted: each item goes to its base key.
    sources = [
        _sent_as(item, item.key if prepare is not None else item.base_key) for item in plan.items
    ]
    planned = {s.key: item for s, item in zip(sources, plan.items, strict=True)}
    if not identity:
        progress = None if progress is None else RowProgress(progress, rows)
        control = None if control is None else RowControl(control, rows)
        on_start = mapped_start(on_start, rows)
        on_state = mapped_state(on_state, rows)
        ask = mapped_ask(ask, rows)
    engine.upload(
        bucket,
        sources,
        progress=progress,
        cancel=token,
        on_item=finished,
        on_start=on_start,
        prepare=None if prepare is None else _keeping_planned_keys(prepare, planned),
        prepare_workers=prepare_workers,
        on_state=on_state,
        control=control,
        ask=ask,
        reserved=plan.reserved,
        conflict=plan.policy,
        on_notice=on_notice,
    )
    return UploadOutcome(tuple(results[i] for i in sorted(results)), fatal[0] if fatal else None)
