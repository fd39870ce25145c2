"""Downloading objects and folders to a local folder: the one place both faces plan and run it.

Why one place: the rules that keep a user's files safe were spread over three copies with
different answers. Here, planning turns a selection into (key → local file) pairs and
reports, one sentence per key, every key that cannot be saved (escapes the folder, a
name too long for the file system, two keys that would be one file, a selection that
matches nothing): each fails alone and the rest download. It also lists the planned files
that exist locally, the decision a face must ask for (Replace / Keep both / Skip).
Running fetches each object to a temporary file, checks it against what was planned
(size, and the ETag sent as ``If-Match``) and only then gives it its name; a local file is
replaced only where the policy for that item says so (see ``TransferEngine.download``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import AppError, Cancelled, NotFound, UnsafePath, translate
from s3uploader_gui.core.naming import safe_local_path
from s3uploader_gui.core.operations.folding import (
    FOLDS_EVERYTHING as FOLDS_EVERYTHING,
)
from s3uploader_gui.core.operations.folding import (
    FOLDS_NOTHING as FOLDS_NOTHING,
)
from s3uploader_gui.core.operations.folding import (
    Folding as Folding,
)
from s3uploader_gui.core.operations.folding import (
    detect_folding as detect_folding,
)
from s3uploader_gui.core.transfers.model import ConflictPolicy, ItemResult, ItemStatus

if TYPE_CHECKING:
    from s3uploader_gui.core.s3.client import S3Client, S3Context
    from s3uploader_gui.core.transfers.engine import TransferEngine
    from s3uploader_gui.core.transfers.progress import TransferProgress


# -- what the faces pass and get back ---------------------------------------------------
@dataclass(frozen=True)
class Selection:
    """One thing the user picked: an object, or a folder (everything under a prefix).

    ``folder``: True for a prefix, False for one object, None to find out (an object if
    one exists at ``key``, else the folder ``key/``: what ``s3://b/trip`` means on the
    command line). ``strip`` is the part of each key left out of its local path, so that
    ``photos/2026/a.jpg`` selected in ``photos/`` (strip ``photos/``) lands at
    ``DEST/2026/a.jpg``; None: the object's own folder (the file lands in DEST), or the
    folder itself (its contents land in DEST).
    """

    key: str
    folder: bool | None = None
    strip: str | None = None


@dataclass(frozen=True)
class PlannedDownload:
    """One object and the local file it goes to; ``etag`` is the one seen while planning
    (sent as ``If-Match``, so an object replaced since fails instead of landing)."""

    key: str
    path: Path
    size: int
    etag: str | None


@dataclass(frozen=True)
class DownloadProblem:
    """A key (or a selection) that cannot be downloaded, and the error saying why.

    ``error.code``: an ``UnsafePath`` code (``DotDot``, ``NameTooLong``, ``SameFile`` for
    two keys that would be one file, ``FileAndFolder`` for a key that other keys need as a
    folder, ``IsFolder`` when a local folder has the file's name...), ``NotFound`` (a
    selection that matches nothing), or the server's code (``AccessDenied``...).
    ``path`` is the local file the key would have been, when it has one.
    """

    key: str
    error: AppError
    path: Path | None = None

    @property
    def message(self) -> str:
        """One sentence for a person."""
        return self.error.message

    @property
    def code(self) -> str:
        return self.error.code


@dataclass(frozen=True)
class DownloadPlan:
    """What ``run_downloads`` will fetch, and what it cannot.

    ``existing`` are the items whose local file exists already (the question a face asks
    before running); ``problems`` fail alone, one row each, when the plan runs.
    """

    bucket: str
    dest: Path
    items: tuple[PlannedDownload, ...]
    existing: tuple[PlannedDownload, ...]
    problems: tuple[DownloadProblem, ...]


@dataclass(frozen=True)
class DownloadRow:
    """What happened to one planned item or one problem.

    ``path`` is the file written (for "keep both", its new name), else the planned file;
    None for a key that has no place locally. ``detail`` says how a file was checked or
    why it was skipped.
    """

    key: str
    path: Path | None
    status: ItemStatus
    bytes: int = 0
    error: AppError | None = None
    detail: str = ""


@dataclass(frozen=True)
class DownloadOutcome:
    """One row per planned item (in plan order), then one per problem."""

    bucket: str
    rows: tuple[DownloadRow, ...]

    def _with(self, status: ItemStatus) -> tuple[DownloadRow, ...]:
        return tuple(r for r in self.rows if r.status is status)

    @property
    def downloaded(self) -> tuple[DownloadRow, ...]:
        return self._with(ItemStatus.DONE)

    @property
    def skipped(self) -> tuple[DownloadRow, ...]:
        return self._with(ItemStatus.SKIPPED)

    @property
    def failed(self) -> tuple[DownloadRow, ...]:
        return self._with(ItemStatus.FAILED)

    @property
    def cancelled(self) -> tuple[DownloadRow, ...]:
        return self._with(ItemStatus.CANCELLED)


#: Per-item decisions: planned key → policy (see ``run_downloads``).
Decisions = Mapping[str, ConflictPolicy]
RowCallback = Callable[[DownloadRow], None]


# -- planning ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Candidate:
    key: str
    size: int
    etag: str | None
    strip: str


def _head(client: S3Client, bucket: str, key: str) -> tuple[int, str | None] | None:
    """(size, ETag) of the object at ``key``; None when there is none."""
    try:
        answer = client.head_object(Bucket=bucket, Key=key)
    except Exception as exc:
        err = translate(exc, bucket=bucket, key=key)
        if isinstance(err, NotFound) and not err.fatal:
            return None
        raise err from exc
    return int(answer.get("ContentLength", 0)), str(answer.get("ETag", "")) or None


def _under(
    client: S3Client, bucket: str, prefix: str, strip: str, cancel: CancelToken
) -> list[_Candidate]:
    from s3uploader_gui.core.s3.listing import iter_objects

    found: list[_Candidate] = []
    for page in iter_objects(client, bucket, prefix, recursive=True, cancel=cancel):
        for obj in page.objects:
            if not obj.key.endswith("/"):  # folder markers are not files
                found.append(_Candidate(obj.key, obj.size, obj.etag or None, strip))
    return found


def _parent(key: str) -> str:
    return key[: key.rfind("/") + 1]


def _expand(
    client: S3Client, bucket: str, sel: Selection, cancel: CancelToken
) -> list[_Candidate] | DownloadProblem:
    """The objects a selection stands for, or the problem when it stands for none."""
    key = sel.key
    folder = sel.folder
    if folder is None and (not key or key.endswith("/")):
        folder = True
    if not folder:
        head = _head(client, bucket, key)
        if head is not None:
            strip = _parent(key) if sel.strip is None else sel.strip
            return [_Candidate(key, head[0], head[1], strip)]
        if folder is False:
            return DownloadProblem(
                key, NotFound(f"s3://{bucket}/{key} does not exist.", code="NotFound")
            )
    prefix = key if not key or key.endswith("/") else key + "/"
    strip = prefix if sel.strip is None else sel.strip
    found = _under(client, bucket, prefix, strip, cancel)
    if not found:
        if folder is None:
            text = f"s3://{bucket}/{key} does not exist (no object and nothing under it)."
        else:
            text = f"s3://{bucket}/{prefix} is empty or does not exist."
        return DownloadProblem(key, NotFound(text, code="NotFound"))
    return found


def _rel(dest: Path, path: Path) -> tuple[str, ...]:
    return path.relative_to(dest).parts


def _clashes(
    placed: Sequence[tuple[_Candidate, Path]], dest: Path, fold: Folding
) -> dict[int, DownloadProblem]:
    """Problems, by index into ``placed``, for keys that share a file (or need a file
    where other keys need a folder) under ``fold``."""
    same: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, (_, path) in enumerate(placed):
        same[tuple(fold(p) for p in _rel(dest, path))].append(i)
    problems: dict[int, DownloadProblem] = {}
    for indexes in same.values():
        if len(indexes) < 2:
            continue
        # "x//y" and "x/y" are one file anywhere; "A" and "a" only where names fold.
        exact = len({placed[j][1] for j in indexes}) == 1
        why = "" if exact else _why(fold)
        for i in indexes:
            key, path = placed[i][0].key, placed[i][1]
            others = ", ".join(f"“{placed[j][0].key}”" for j in indexes if j != i)
            problems[i] = DownloadProblem(
                key,
                UnsafePath(
                    f"The key “{key}” and {others} would be saved as the same file "
                    f"“{path.name}”{why}: none of them is downloaded.",
                    code="SameFile",
                ),
                path,
            )
    folders = {parts[:n] for parts in same for n in range(1, len(parts))}
    for parts, indexes in same.items():
        if parts in folders:
            for i in indexes:
                key, path = placed[i][0].key, placed[i][1]
                problems.setdefault(
                    i,
                    DownloadProblem(
                        key,
                        UnsafePath(
                            f"The key “{key}” cannot be saved as the file “{path.name}”: "
                            "other keys need a folder of that name.",
                            code="FileAndFolder",
                        ),
                        path,
                    ),
                )
    return problems


def _why(fold: Folding) -> str:
    if fold.case and fold.unicode:
        return " (this folder does not tell upper and lower case, or Unicode forms, apart)"
    if fold.case:
        return " (this folder does not tell upper and lower case apart)"
    if fold.unicode:
        return " (this folder does not tell Unicode forms apart)"
    return ""


def plan_downloads(
    context: S3Context,
    bucket: str,
    selections: Iterable[Selection],
    dest: Path,
    *,
    cancel: CancelToken | None = None,
    folding: Folding | None = None,
) -> DownloadPlan:
    """Turn a selection into the local files it will be saved as; nothing is written.

    Folders are listed (the ETags come with the listing); a single object costs one HEAD.
    A key fails alone, as a ``DownloadProblem``, when it would escape ``dest``, when one of
    its names is longer than the file system allows (``PC_NAME_MAX``, usually 255 bytes;
    S3 keys may be 1,024), when two keys would be one local file (also after case
    folding and Unicode NFC/NFD normalisation where the destination's file system folds
    names: see ``detect_folding``, which is asked only when such a pair exists; pass
    ``folding`` to decide instead), when other keys need its file name as a folder, or
    when a local folder has its file name. A selection that matches nothing is a problem
    too. ``existing`` lists the items whose local file exists now.

    Raises an ``AppError`` only for a failure of the whole plan (no connection, the bucket
    missing, ``cancel``led).
    """
    cancel = cancel or CancelToken()
    client = context.client
    problems: list[DownloadProblem] = []
    candidates: list[_Candidate] = []
    seen: set[tuple[str, str]] = set()
    for sel in selections:
        cancel.raise_if_cancelled()
        try:
            found = _expand(client, bucket, sel, cancel)
        except AppError as err:
            if err.fatal or isinstance(err, Cancelled):
                raise
            found = DownloadProblem(sel.key, err)  # this selection alone (AccessDenied...)
        if isinstance(found, DownloadProblem):
            problems.append(found)
            continue
        for cand in found:
            if (cand.key, cand.strip) not in seen:  # one object picked twice
                seen.add((cand.key, cand.strip))
                candidates.append(cand)

    from s3uploader_gui.core.transfers.download_batch import name_max

    limit = name_max(dest)
    placed: list[tuple[_Candidate, Path]] = []
    for cand in candidates:
        try:
            path = safe_local_path(dest, cand.key, cand.strip, name_max=limit)
        except UnsafePath as err:
            problems.append(DownloadProblem(cand.key, err))
            continue
        placed.append((cand, path))

    root = dest.resolve()
    if folding is None:
        # Probe the file system only when its answer matters: a pair of keys that would
        # be one file under folding and two without it.
        loose = _clashes(placed, root, FOLDS_EVERYTHING)
        exact = _clashes(placed, root, FOLDS_NOTHING)
        folding = detect_folding(dest) if loose.keys() != exact.keys() else FOLDS_NOTHING
    clashes = _clashes(placed, root, folding)

    items: list[PlannedDownload] = []
    existing: list[PlannedDownload] = []
    for i, (cand, path) in enumerate(placed):
        if i in clashes:
            problems.append(clashes[i])
            continue
        if path.is_dir() and not path.is_symlink():
            problems.append(
                DownloadProblem(
                    cand.key,
                    UnsafePath(
                        f"The key “{cand.key}” cannot be saved: “{path}” is a folder.",
                        code="IsFolder",
                    ),
                    path,
                )
            )
            continue
        item = PlannedDownload(cand.key, path, cand.size, cand.etag)
        items.append(item)
        if path.exists() or path.is_symlink():
            existing.append(item)
    return DownloadPlan(bucket, dest, tuple(items), tuple(existing), tuple(problems))


# -- running -------------------------------------------------------------------------------
def _policies(plan: DownloadPlan, policy: ConflictPolicy | Decisions) -> list[ConflictPolicy]:
    if isinstance(policy, ConflictPolicy):
        return [policy] * len(plan.items)
    return [policy.get(item.key, ConflictPolicy.SKIP) for item in plan.items]


def run_downloads(
    engine: TransferEngine | S3Context,
    plan: DownloadPlan,
    *,
    policy: ConflictPolicy | Decisions = ConflictPolicy.SKIP,
    progress: TransferProgress | None = None,
    cancel: CancelToken | None = None,
    on_item: RowCallback | None = None,
) -> DownloadOutcome:
    """Download a plan; every planned item and every problem ends in one row.

    ``policy`` decides about a local file at an item's path: one ``ConflictPolicy`` for
    all, or the face's answer per key (OVERWRITE = Replace, RENAME = Keep both as
    ``name (1).ext``, SKIP, SKIP_IDENTICAL = skip when identical, replace otherwise); a
    key missing from the mapping, and ASK, mean SKIP. Whatever the policy, a file is only
    replaced once the object arrived whole and unchanged (size, and the planned ETag as
    ``If-Match``): otherwise the item fails and the local file stays as it was. A file
    that appears at a path during the run is kept unless that item's policy is
    OVERWRITE. ``on_item`` runs on the calling thread: first for each problem, then for
    each item as it finishes. Items run on ``engine`` (its concurrency and bandwidth), or
    on an engine of their own, closed after, when given a connection's ``S3Context``.
    """
    from s3uploader_gui.core.transfers.engine import TransferEngine
    from s3uploader_gui.core.transfers.model import DownloadSource
    from s3uploader_gui.core.transfers.progress import TransferProgress

    if not isinstance(engine, TransferEngine):
        own = TransferEngine(engine)
        try:
            return run_downloads(
                own, plan, policy=policy, progress=progress, cancel=cancel, on_item=on_item
            )
        finally:
            own.close()

    problem_rows = [
        DownloadRow(p.key, p.path, ItemStatus.FAILED, error=p.error) for p in plan.problems
    ]
    for row in problem_rows:
        if on_item is not None:
            on_item(row)
    if not plan.items:
        return DownloadOutcome(plan.bucket, tuple(problem_rows))

    def row_of(result: ItemResult) -> DownloadRow:
        return DownloadRow(
            result.key, result.path, result.status, result.bytes, result.error, result.detail
        )

    def report(result: ItemResult) -> None:
        if on_item is not None:
            on_item(row_of(result))

    sources = [DownloadSource(i.key, i.path, i.size, i.etag) for i in plan.items]
    results = engine.download(
        plan.bucket,
        sources,
        progress=progress or TransferProgress(),
        cancel=cancel or CancelToken(),
        on_item=report,
        conflict=_policies(plan, policy),
    )
    return DownloadOutcome(plan.bucket, tuple(map(row_of, results)) + tuple(problem_rows))
