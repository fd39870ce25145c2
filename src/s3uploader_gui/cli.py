"""``s3uploader``: the command-line twin of the GUI, built on the same core.

Exit status: 0 when every item succeeded (skipped items count as success), 1 when some
items failed (the others were still done), 2 for usage or configuration errors (bad
credentials, unknown bucket, unreachable endpoint, bad address, missing profile) and
130 when interrupted. Every failure is one line on stderr; ``--json`` prints one JSON
object per item on stdout.

Heavy modules (boto3 through ``core``) are imported inside the functions that need them,
so ``s3uploader --version`` and ``--help`` start quickly.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from s3uploader_gui import __version__

if TYPE_CHECKING:
    import datetime as dt

    from s3uploader_gui.core.errors import AppError
    from s3uploader_gui.core.naming import S3Url, UploadSource
    from s3uploader_gui.core.objects import DeleteResult
    from s3uploader_gui.core.progress import TransferProgress
    from s3uploader_gui.core.s3client import ConnectionSettings, S3Client, S3Context
    from s3uploader_gui.core.transfers import DownloadSource, ItemResult

PROG = "s3uploader"

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_CANCELLED = 130

Record = dict[str, Any]


# -- output ------------------------------------------------------------------------------
def one_line(text: str) -> str:
    """``text`` with control characters escaped, so one item is always one line."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def display_path(path: Path | str) -> str:
    """A local path as the user would type it: relative to the working directory if inside."""
    text = str(path)
    if os.path.isabs(text):
        try:
            rel = os.path.relpath(text)
        except ValueError:  # another drive on Windows
            return text
        if not rel.startswith(".."):
            return rel
    return text


def record(
    status: str,
    *,
    bucket: str | None = None,
    key: str | None = None,
    path: Path | str | None = None,
    nbytes: int | None = None,
    error: str | None = None,
    **extra: Any,
) -> Record:
    """One ``--json`` object: ``path``, ``key``, ``status``, ``bytes``, ``error`` and extras."""
    data: Record = {
        "path": None if path is None else str(path),
        "bucket": bucket,
        "key": key,
        "status": status,
        "bytes": nbytes,
        "error": error,
    }
    data.update(extra)
    return data


class Reporter:
    """Prints item outcomes (human lines or JSON lines) and counts failures.

    Also owns the optional one-line progress display on stderr, so that item lines never
    get mixed into a half-drawn progress line.
    """

    def __init__(self, *, json_mode: bool, out: TextIO, err: TextIO) -> None:
        self.json_mode = json_mode
        self.out = out
        self.err = err
        self.failures = 0
        self._lock = threading.Lock()
        self._status_shown = False

    def _clear_status(self) -> None:
        if self._status_shown:
            self.err.write("\r\x1b[K")
            self.err.flush()
            self._status_shown = False

    def status(self, text: str) -> None:
        """Draw ``text`` as the transient progress line (terminal only)."""
        with self._lock:
            self.err.write("\r\x1b[K" + text)
            self.err.flush()
            self._status_shown = True

    def clear_status(self) -> None:
        """Remove the progress line."""
        with self._lock:
            self._clear_status()

    def ok(self, data: Record, human: str | None) -> None:
        """An item that succeeded (or was skipped)."""
        with self._lock:
            self._clear_status()
            if self.json_mode:
                self._json(data)
            elif human is not None:
                print(one_line(human), file=self.out, flush=True)

    def failed(self, data: Record, item: str, message: str, *, command: str) -> None:
        """An item that failed: one line on stderr (and its JSON object on stdout)."""
        with self._lock:
            self._clear_status()
            self.failures += 1
            if self.json_mode:
                self._json(data)
            print(
                f"{command} failed: {one_line(item)}: {one_line(message)}",
                file=self.err,
                flush=True,
            )

    def note(self, message: str) -> None:
        """A warning that is not a failure (stderr)."""
        with self._lock:
            self._clear_status()
            print(f"{PROG}: {one_line(message)}", file=self.err, flush=True)

    def _json(self, data: Record) -> None:
        print(json.dumps(data, ensure_ascii=False, default=str), file=self.out, flush=True)

    @property
    def exit_code(self) -> int:
        return EXIT_FAILED if self.failures else EXIT_OK


class ProgressLine:
    """Redraws a one-line summary of a TransferProgress on stderr every ``interval`` s."""

    def __init__(
        self, progress: TransferProgress, reporter: Reporter, *, interval: float = 0.5
    ) -> None:
        self._progress = progress
        self._reporter = reporter
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cli-progress", daemon=True)

    def render(self) -> str:
        """The current progress line."""
        from s3uploader_gui.core.progress import format_bytes, format_duration

        snap = self._progress.snapshot()
        return (
            f"{snap.items_finished}/{snap.items_total} files, "
            f"{format_bytes(snap.done_bytes)} of {format_bytes(snap.total_bytes)} "
            f"({snap.fraction:.0%}), {format_bytes(snap.bytes_per_second)}/s, "
            f"ETA {format_duration(snap.eta_seconds)}"
        )

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._reporter.status(self.render())

    def __enter__(self) -> ProgressLine:
        self._progress.snapshot()  # the first sample, so the first line already has a speed
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._reporter.clear_status()


@contextmanager
def maybe_progress(
    args: argparse.Namespace, reporter: Reporter, progress: TransferProgress
) -> Iterator[None]:
    """Show a progress line when stderr is a terminal and the output is not JSON."""
    if args.json or not reporter.err.isatty():
        yield
        return
    with ProgressLine(progress, reporter):
        yield


# -- connection --------------------------------------------------------------------------
def _check_endpoint(url: str | None) -> None:
    if url is not None and not url.startswith(("http://", "https://")):
        raise _config_error(f"“{url}” is not an endpoint URL: write http(s)://HOST[:PORT].")


def _config_error(message: str) -> AppError:
    from s3uploader_gui.core.errors import ConfigError

    return ConfigError(message)


def resolve_settings(args: argparse.Namespace) -> ConnectionSettings:
    """ConnectionSettings for a non-local run: boto3's standard chain, or ``--profile``."""
    from s3uploader_gui.core.credentials import CredentialStore
    from s3uploader_gui.core.errors import AppError, ConfigError
    from s3uploader_gui.core.profiles import ProfileStore, connection_settings
    from s3uploader_gui.core.s3client import ConnectionSettings

    _check_endpoint(args.endpoint_url)
    if not args.profile:
        # Everything else (keys, region, AWS_ENDPOINT_URL_S3, ~/.aws) comes from boto3.
        return ConnectionSettings(endpoint_url=args.endpoint_url, region=args.region)
    profile = ProfileStore().get(args.profile)
    try:
        settings = connection_settings(profile, credentials=CredentialStore())
    except ConfigError:
        raise
    except AppError as err:  # e.g. KeyringUnavailable: the configuration cannot work
        raise ConfigError(err.message, code=err.code) from err
    overrides = {
        name: value
        for name, value in (("endpoint_url", args.endpoint_url), ("region", args.region))
        if value
    }
    return dataclasses.replace(settings, **overrides) if overrides else settings


def _is_local_profile(name: str | None) -> bool:
    if not name:
        return False
    from s3uploader_gui.core.profiles import ProfileStore

    return ProfileStore().get(name).is_local


@contextmanager
def open_context(args: argparse.Namespace) -> Iterator[S3Context]:
    """The connection for this run; with ``--profile local`` the embedded server runs inside."""
    from s3uploader_gui.core.s3client import S3Context

    if not _is_local_profile(args.profile):
        yield S3Context(resolve_settings(args))
        return
    from s3uploader_gui.core import paths
    from s3uploader_gui.core.local_server import DEFAULT_BUCKET, LocalServer
    from s3uploader_gui.core.objects import ensure_bucket
    from s3uploader_gui.core.profiles import LOCAL_PROFILE, connection_settings

    if args.endpoint_url or args.region:
        raise _config_error("--endpoint-url and --region cannot be used with the local storage.")
    server = LocalServer(paths.local_storage_dir())
    info = server.start()  # ConfigError when the GUI holds the data directory
    try:
        context = S3Context(connection_settings(LOCAL_PROFILE, local=info))
        ensure_bucket(context.client, DEFAULT_BUCKET)
        yield context
    finally:
        server.stop()


def require_bucket(client: S3Client, bucket: str) -> None:
    """Fail the whole run (exit 2) with one line when ``bucket`` does not exist."""
    from s3uploader_gui.core.errors import AccessDenied, BucketNotFound
    from s3uploader_gui.core.listing import list_page
    from s3uploader_gui.core.objects import bucket_exists

    try:
        exists = bucket_exists(client, bucket)
    except AccessDenied:
        # HEAD answers carry no error code: a wrong secret and a policy without
        # s3:ListBucket both come back as a bare 403. A listing's error body tells them
        # apart (SignatureDoesNotMatch is fatal and propagates).
        # A 403 here too is a real permission matter: each item tries (and reports) alone.
        with contextlib.suppress(AccessDenied):
            list_page(client, bucket, "", page_size=1)
        return
    if not exists:
        raise BucketNotFound(f"The bucket “{bucket}” does not exist.", code="NoSuchBucket")


def _bucket_only(url: S3Url, command: str) -> str:
    if url.key:
        raise _config_error(f"{command} takes a bucket only (s3://BUCKET), not “{url}”.")
    return url.bucket


class FatalWatch:
    """Cancels a batch at the first fatal item error and remembers it."""

    def __init__(self) -> None:
        from s3uploader_gui.core.cancel import CancelToken

        self.cancel = CancelToken()
        self.error: AppError | None = None

    def check(self, result: ItemResult) -> bool:
        """True when ``result`` should not be reported (fatal, or cancelled after fatal)."""
        from s3uploader_gui.core.transfers import ItemStatus

        if self.error is not None and result.status is ItemStatus.CANCELLED:
            return True
        if result.status is ItemStatus.FAILED and result.error is not None and result.error.fatal:
            if self.error is None:
                self.error = result.error
            self.cancel.cancel()
            return True
        return False

    def raise_if_fatal(self) -> None:
        if self.error is not None:
            raise self.error


# -- upload ------------------------------------------------------------------------------
CONFLICT_CHOICES = ("overwrite", "skip", "skip-identical", "rename")


def _conflict_policy(args: argparse.Namespace) -> str:
    """The --on-conflict choice, with the older flags as aliases."""
    chosen: str | None = getattr(args, "on_conflict", None)
    if chosen:
        return chosen
    if getattr(args, "skip_existing", False):
        return "skip-identical"
    if getattr(args, "overwrite", False):
        return "overwrite"
    return "overwrite" if args.command == "upload" else "skip"


def _item_reporter(
    command: str, done_status: str, bucket: str, rep: Reporter, watch: FatalWatch
) -> Callable[[ItemResult], None]:
    """The ``on_item`` callback of a transfer batch: one line (or JSON object) per item."""
    from s3uploader_gui.core.errors import user_message
    from s3uploader_gui.core.progress import format_bytes
    from s3uploader_gui.core.transfers import ItemStatus

    def on_item(result: ItemResult) -> None:
        if watch.check(result):
            return
        remote = f"s3://{bucket}/{result.key}"
        local = display_path(result.path)
        what = f"{local} -> {remote}" if command == "upload" else f"{remote} -> {local}"
        fields: dict[str, Any] = {"bucket": bucket, "key": result.key, "path": result.path}
        if result.status is ItemStatus.DONE:
            rep.ok(
                record(done_status, nbytes=result.bytes, **fields),
                f"{command}: {what} ({format_bytes(result.bytes)})",
            )
            return
        if result.status is ItemStatus.SKIPPED:
            rep.ok(
                record("skipped", nbytes=0, note=result.detail, **fields),
                f"skip: {what} ({result.detail})",
            )
            return
        message = user_message(result.error) if result.error else str(result.status)
        rep.failed(
            record("failed", nbytes=0, error=message, **fields), what, message, command=command
        )

    return on_item


def _run_transfers(
    args: argparse.Namespace,
    rep: Reporter,
    context: S3Context,
    bucket: str,
    sources: Sequence[UploadSource] | Sequence[DownloadSource],
) -> None:
    """Upload or download ``sources``; stop at the first fatal error and raise it."""
    from s3uploader_gui.core.progress import TransferProgress
    from s3uploader_gui.core.transfers import ConflictPolicy, EngineSettings, TransferEngine

    upload = args.command == "upload"
    watch = FatalWatch()
    progress = TransferProgress()
    policy = ConflictPolicy(_conflict_policy(args))
    settings = EngineSettings(max_concurrency=context.concurrency)
    if upload:
        settings.conflict = policy
    engine = TransferEngine(context, settings)
    run: Callable[..., object] = engine.upload if upload else engine.download
    done_status = "uploaded" if upload else "downloaded"
    on_item = _item_reporter(args.command, done_status, bucket, rep, watch)
    extra: dict[str, Any] = {}
    if not upload:
        extra["conflict"] = policy
    if upload:
        preparer = _image_preparer(args, sources)
        if preparer is not None:
            extra["prepare"] = preparer
    try:
        with maybe_progress(args, rep, progress):
            run(bucket, sources, progress=progress, cancel=watch.cancel, on_item=on_item, **extra)
    finally:
        engine.close()
    watch.raise_if_fatal()


def _image_preparer(args: argparse.Namespace, sources: Sequence[UploadSource]) -> Any:
    """An ImagePreparer when an image option was given (else files upload as they are)."""
    given = (args.resize, args.quality, args.format, args.metadata)
    if all(v is None for v in given):
        return None
    from s3uploader_gui.core.imaging import (
        ImageOptions,
        ImagePreparer,
        MetadataPolicy,
        OutputFormat,
    )

    options = ImageOptions(
        max_edge=args.resize or None,
        format=OutputFormat(args.format or "keep"),
        quality=args.quality if args.quality is not None else 85,
        metadata=MetadataPolicy(args.metadata or "strip-location"),
    )
    preparer = ImagePreparer(options)
    return preparer if preparer.needed(list(sources)) else None


def _int_in(low: int, high: int, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be {low}–{high}, not {value}")
        return value

    return parse


def cmd_upload(args: argparse.Namespace, rep: Reporter) -> int:
    """Upload files and folders under ``--to``."""
    from s3uploader_gui.core.naming import normalize_prefix, parse_s3_url, plan_uploads

    target = parse_s3_url(args.to)
    prefix = normalize_prefix(target.key)
    sources, problems = plan_uploads(args.paths, prefix)
    with open_context(args) as context:
        require_bucket(context.client, target.bucket)
        for path, err in problems:
            rep.failed(
                record("failed", bucket=target.bucket, path=path, nbytes=0, error=err.message),
                display_path(path),
                err.message,
                command="upload",
            )
        _run_transfers(args, rep, context, target.bucket, sources)
    return rep.exit_code


# -- download ----------------------------------------------------------------------------
def _head_size(client: S3Client, bucket: str, key: str) -> int | None:
    """The object's size; None when it does not exist."""
    from s3uploader_gui.core.errors import AccessDenied, NotFound, translate

    try:
        answer = client.head_object(Bucket=bucket, Key=key)
    except Exception as exc:
        err = translate(exc, bucket=bucket, key=key)
        if isinstance(err, NotFound):
            return None
        if isinstance(err, AccessDenied):
            return 0  # size unknown (no permission to HEAD, or a wrong secret): the GET tells
        raise err from exc
    return int(answer.get("ContentLength", 0))


#: ETags seen while listing, so downloads need no HEAD per object.
_ETAGS: dict[tuple[str, str], str] = {}


def _iter_prefix(client: S3Client, bucket: str, prefix: str) -> Iterator[tuple[str, int]]:
    from s3uploader_gui.core.listing import iter_objects

    for page in iter_objects(client, bucket, prefix, recursive=True):
        for obj in page.objects:
            if not obj.key.endswith("/"):  # folder markers are not files
                _ETAGS[(bucket, obj.key)] = obj.etag
                yield obj.key, obj.size


def _download_candidates(
    client: S3Client, url: S3Url
) -> tuple[list[tuple[str, int]], str, str | None]:
    """(key, size) pairs to fetch, the prefix to strip, and a reason when there are none."""
    key = url.key
    if key and not key.endswith("/"):
        size = _head_size(client, url.bucket, key)
        if size is not None:
            return [(key, size)], key[: key.rfind("/") + 1], None
        key += "/"  # not an object: maybe a "folder"
    found = list(_iter_prefix(client, url.bucket, key))
    if not found:
        what = f"s3://{url.bucket}/{url.key}"
        return [], key, f"{what} does not exist (no object and nothing under it)."
    return found, key, None


def _plan_downloads(
    client: S3Client, url: S3Url, dest: Path, *, overwrite: bool, rep: Reporter
) -> list[DownloadSource]:
    """Map keys to safe local paths; unsafe keys fail, existing files are skipped."""
    from s3uploader_gui.core.errors import UnsafePath
    from s3uploader_gui.core.naming import safe_local_path
    from s3uploader_gui.core.transfers import DownloadSource

    candidates, strip, missing = _download_candidates(client, url)
    if missing is not None:
        rep.failed(
            record("failed", bucket=url.bucket, key=url.key, nbytes=0, error=missing),
            str(url),
            missing,
            command="download",
        )
    plan: list[DownloadSource] = []
    claimed: set[Path] = set()
    for key, size in candidates:
        where = f"s3://{url.bucket}/{key}"
        try:
            path = safe_local_path(dest, key, strip)
            if path in claimed:
                raise UnsafePath(f"The key “{key}” maps to the same file as another key.")
        except UnsafePath as err:
            rep.failed(
                record("failed", bucket=url.bucket, key=key, nbytes=0, error=err.message),
                where,
                err.message,
                command="download",
            )
            continue
        claimed.add(path)
        if not overwrite and (path.exists() or path.is_symlink()):
            rep.ok(
                record(
                    "skipped",
                    bucket=url.bucket,
                    key=key,
                    path=path,
                    nbytes=0,
                    note="the local file exists; --overwrite replaces it",
                ),
                f"skip: {where} -> {display_path(path)} (exists; --overwrite replaces it)",
            )
            continue
        etag = _ETAGS.pop((url.bucket, key), "") or None
        plan.append(DownloadSource(key=key, path=path, size=size, etag=etag))
    return plan


def cmd_download(args: argparse.Namespace, rep: Reporter) -> int:
    """Download one object, or everything under a prefix, into DEST_DIR."""
    from s3uploader_gui.core.naming import parse_s3_url

    url = parse_s3_url(args.source)
    dest = Path(args.dest)
    if dest.exists() and not dest.is_dir():
        raise _config_error(f"{dest} exists and is not a folder.")
    with open_context(args) as context:
        require_bucket(context.client, url.bucket)
        # "skip" is decided while planning (no request); the others by the engine.
        skip = _conflict_policy(args) == "skip"
        plan = _plan_downloads(context.client, url, dest, overwrite=not skip, rep=rep)
        if not plan:
            return rep.exit_code
        dest.mkdir(parents=True, exist_ok=True)
        _run_transfers(args, rep, context, url.bucket, plan)
    return rep.exit_code


# -- ls ----------------------------------------------------------------------------------
def _local_time(value: dt.datetime | None) -> str:
    """``aws s3 ls`` style: local time, to the second."""
    if value is None:
        return " " * 19
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _ls_buckets(client: S3Client, rep: Reporter) -> None:
    from s3uploader_gui.core.listing import list_buckets

    for bucket in list_buckets(client):
        rep.ok(
            record("listed", bucket=bucket.name, type="bucket", created=_iso(bucket.created)),
            f"{_local_time(bucket.created)} {bucket.name}",
        )


def _ls_objects(client: S3Client, url: S3Url, recursive: bool, rep: Reporter) -> None:
    from s3uploader_gui.core.listing import iter_objects

    for page in iter_objects(client, url.bucket, url.key, recursive=recursive):
        for prefix in page.prefixes:
            name = prefix.rstrip("/").rsplit("/", 1)[-1] + "/"
            rep.ok(
                record("listed", bucket=url.bucket, key=prefix, type="prefix"),
                f"{'PRE':>30} {name}",
            )
        for obj in page.objects:
            name = obj.key if recursive else obj.key.rsplit("/", 1)[-1]
            rep.ok(
                record(
                    "listed",
                    bucket=url.bucket,
                    key=obj.key,
                    nbytes=obj.size,
                    type="object",
                    last_modified=_iso(obj.last_modified),
                ),
                f"{_local_time(obj.last_modified)} {obj.size:>10} {name}",
            )


def cmd_ls(args: argparse.Namespace, rep: Reporter) -> int:
    """List buckets, or the folders and objects under a prefix."""
    from s3uploader_gui.core.naming import parse_s3_url

    url = parse_s3_url(args.url) if args.url else None
    with open_context(args) as context:
        if url is None:
            _ls_buckets(context.client, rep)
        else:
            _ls_objects(context.client, url, args.recursive, rep)
    return rep.exit_code


# -- presign -----------------------------------------------------------------------------
def cmd_presign(args: argparse.Namespace, rep: Reporter) -> int:
    """Print a SigV4 presigned GET link."""
    from s3uploader_gui.core.naming import parse_s3_url
    from s3uploader_gui.core.sharing import presigned_get_url

    url = parse_s3_url(args.url)
    if not url.key:
        raise _config_error(f"presign needs an object: write s3://BUCKET/KEY, not “{args.url}”.")
    with open_context(args) as context:
        link = presigned_get_url(context.client, url.bucket, url.key, args.expires)
        if _is_local_profile(args.profile):
            rep.note(
                "the local storage uses new credentials on every start: this link "
                "stops working when this command exits."
            )
    rep.ok(
        record("presigned", bucket=url.bucket, key=url.key, url=link, expires=args.expires),
        link,
    )
    return rep.exit_code


# -- rm ----------------------------------------------------------------------------------
def _group_by_bucket(urls: Sequence[S3Url]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for url in urls:
        groups.setdefault(url.bucket, []).append(url.key)
    return groups


def _report_deleted(bucket: str, result: DeleteResult, rep: Reporter) -> None:
    for key in result.deleted:
        rep.ok(record("deleted", bucket=bucket, key=key), f"delete: s3://{bucket}/{key}")
    for key, err in result.failed:
        if err.fatal:
            raise err
        rep.failed(
            record("failed", bucket=bucket, key=key, error=err.message),
            f"s3://{bucket}/{key}",
            err.message,
            command="delete",
        )


def cmd_rm(args: argparse.Namespace, rep: Reporter) -> int:
    """Delete objects; with ``--recursive`` a key ending in ``/`` deletes the whole prefix."""
    from s3uploader_gui.core.naming import parse_s3_url
    from s3uploader_gui.core.objects import delete_keys, delete_prefix

    urls = [parse_s3_url(u) for u in args.urls]
    for url in urls:
        if not url.key and not args.recursive:
            raise _config_error(f"rm needs a key: write s3://BUCKET/KEY, not “{url}”.")
    with open_context(args) as context:
        client = context.client
        for bucket, keys in _group_by_bucket(urls).items():
            require_bucket(client, bucket)
            prefixes = [k for k in keys if args.recursive and (not k or k.endswith("/"))]
            plain = [k for k in keys if k not in prefixes]
            if plain:
                _report_deleted(bucket, delete_keys(client, bucket, plain), rep)
            for prefix in prefixes:
                _report_deleted(bucket, delete_prefix(client, bucket, prefix), rep)
    return rep.exit_code


# -- mb ----------------------------------------------------------------------------------
def cmd_mb(args: argparse.Namespace, rep: Reporter) -> int:
    """Create a bucket."""
    from s3uploader_gui.core.errors import AppError
    from s3uploader_gui.core.naming import parse_s3_url
    from s3uploader_gui.core.objects import create_bucket

    bucket = _bucket_only(parse_s3_url(args.url), "mb")
    with open_context(args) as context:
        try:
            create_bucket(context.client, bucket, args.region)
        except AppError as err:
            if err.fatal:
                raise
            rep.failed(
                record("failed", bucket=bucket, error=err.message),
                f"s3://{bucket}",
                err.message,
                command="make_bucket",
            )
        else:
            rep.ok(record("created", bucket=bucket), f"make_bucket: {bucket}")
    return rep.exit_code


# -- profiles ----------------------------------------------------------------------------
#: Profile fields the ``profiles add/edit`` options set: option dest → Profile field.
_PROFILE_OPTIONS = {
    "kind": "kind",
    "endpoint_url": "endpoint_url",
    "access_key_id": "access_key_id",
    "region": "region",
    "addressing_style": "addressing_style",
    "aws_profile": "aws_profile",
    "default_bucket": "default_bucket",
    "default_prefix": "default_prefix",
    "public_url": "public_base_url",
}


def read_secret(prompt: str, stdin: TextIO | None = None) -> str:
    """A secret from a hidden prompt, or one line of standard input when it is no terminal.

    Never from the command line or the environment: another user's ``ps`` sees those.
    """
    import getpass

    stream = stdin or sys.stdin
    if stream.isatty():
        return getpass.getpass(prompt)
    return stream.readline().rstrip("\r\n")


def _profile_record(profile: Any, secret: str, last_used: bool) -> Record:
    data: Record = {k: v for k, v in profile.to_json().items() if k != "extra"}
    data["secret"] = secret
    data["last_used"] = last_used
    return data


def _secret_status(profile: Any, credentials: Any) -> str:
    """ "keyring", "missing", "aws-profile", "built-in" or "unavailable" (never the secret)."""
    from s3uploader_gui.core.errors import KeyringUnavailable

    if profile.is_local:
        return "built-in"
    if profile.aws_profile:
        return "aws-profile"
    try:
        return "keyring" if credentials.get(profile.name) else "missing"
    except KeyringUnavailable:
        return "unavailable"


def cmd_profiles_list(args: argparse.Namespace, rep: Reporter) -> int:
    """List the profiles: the local storage first, then the saved ones."""
    from s3uploader_gui.core.credentials import CredentialStore
    from s3uploader_gui.core.profiles import LOCAL_PROFILE, ProfileStore

    store = ProfileStore()
    credentials = CredentialStore()
    last = store.last_used
    for profile in [LOCAL_PROFILE, *store.list()]:
        status = _secret_status(profile, credentials)
        where = profile.endpoint_url or ("AWS" if not profile.is_local else "127.0.0.1")
        sign_in = {
            "built-in": "built in",
            "aws-profile": f"AWS profile {profile.aws_profile}",
            "keyring": f"key {profile.access_key_id}, secret in the keyring",
            "missing": f"key {profile.access_key_id}, no secret stored",
            "unavailable": f"key {profile.access_key_id}, keyring unavailable",
        }[status]
        mark = "*" if profile.name == last else " "
        region = f", {profile.region}" if profile.region else ""
        rep.ok(
            _profile_record(profile, status, profile.name == last),
            f"{mark} {profile.name}: {profile.kind} ({where}{region}); {sign_in}",
        )
    return rep.exit_code


def _profile_changes(args: argparse.Namespace) -> dict[str, Any]:
    """Profile fields given on the command line (only those given)."""
    from s3uploader_gui.core.profiles import ProfileKind

    changes: dict[str, Any] = {}
    for dest, field_name in _PROFILE_OPTIONS.items():
        value = getattr(args, dest, None)
        if value is not None:
            changes[field_name] = ProfileKind(value) if dest == "kind" else value
    return changes


def _store_profile(
    args: argparse.Namespace, rep: Reporter, profile: Any, *, old_name: str | None, ask: bool
) -> int:
    from s3uploader_gui.core.credentials import CredentialStore
    from s3uploader_gui.core.errors import KeyringUnavailable
    from s3uploader_gui.core.profiles import ProfileStore, save_profile

    credentials = CredentialStore()
    secret = token = None
    if ask and not profile.aws_profile:
        secret = read_secret(f"Secret access key for {profile.access_key_id}: ")
        if not secret:
            raise _config_error("No secret access key was entered: nothing was saved.")
        # New keys without a token drop the old token: it belonged to the old keys.
        token = read_secret("Session token: ") if args.session_token else ""
    try:
        saved = save_profile(
            profile,
            store=ProfileStore(),
            credentials=credentials,
            secret=secret,
            session_token=token,
            old_name=old_name,
        )
    except KeyringUnavailable as err:
        raise _config_error(
            f"{err.message.split(';')[0]}: the profile was not saved "
            "(secrets are never written to a file)."
        ) from None
    where = (
        f"credentials from AWS profile “{saved.aws_profile}”"
        if saved.aws_profile
        else f"secret in {credentials.describe_backend()}"
    )
    rep.ok(
        {
            "status": "saved",
            "profile": saved.name,
            "secret": "aws-profile" if saved.aws_profile else "keyring",
        },
        f"Saved profile “{saved.name}” ({where}).",
    )
    return rep.exit_code


def cmd_profiles_add(args: argparse.Namespace, rep: Reporter) -> int:
    """Add a profile; the secret comes from a hidden prompt or standard input."""
    from s3uploader_gui.core.profiles import Profile, ProfileKind, ProfileStore

    if args.name in {p.name for p in ProfileStore().list()}:
        raise _config_error(f"A profile named “{args.name}” already exists: use “profiles edit”.")
    changes = _profile_changes(args)
    if "kind" not in changes:
        changes["kind"] = (
            ProfileKind.S3_COMPATIBLE if changes.get("endpoint_url") else ProfileKind.AWS
        )
    if not changes.get("aws_profile") and not changes.get("access_key_id"):
        raise _config_error("Give --access-key-id ID, or --aws-profile NAME to use ~/.aws.")
    profile = Profile(name=args.name, **changes)
    return _store_profile(args, rep, profile, old_name=None, ask=True)


def cmd_profiles_edit(args: argparse.Namespace, rep: Reporter) -> int:
    """Change some fields of a profile (and, with --new-secret, its secret)."""
    from s3uploader_gui.core.profiles import ProfileStore

    current = ProfileStore().get(args.name)
    if current.is_local:
        raise _config_error("The local storage profile is built in and cannot be changed.")
    changes = _profile_changes(args)
    if args.rename:
        changes["name"] = args.rename
    if changes.get("aws_profile"):
        changes["access_key_id"] = ""
    profile = dataclasses.replace(current, **changes)
    switched_to_keys = bool(current.aws_profile) and not profile.aws_profile
    ask = (
        args.new_secret
        or switched_to_keys
        or (
            "access_key_id" in changes
            and changes["access_key_id"] != current.access_key_id
            and not profile.aws_profile
        )
    )
    return _store_profile(args, rep, profile, old_name=current.name, ask=ask)


def cmd_profiles_remove(args: argparse.Namespace, rep: Reporter) -> int:
    """Delete a profile and its secrets."""
    from s3uploader_gui.core.credentials import CredentialStore
    from s3uploader_gui.core.profiles import ProfileStore, delete_profile

    delete_profile(args.name, store=ProfileStore(), credentials=CredentialStore())
    rep.ok(
        {"status": "removed", "profile": args.name},
        f"Removed profile “{args.name}” and its secrets.",
    )
    return rep.exit_code


def cmd_profiles_test(args: argparse.Namespace, rep: Reporter) -> int:
    """Test a profile: ListBuckets (or, when that is denied, --bucket)."""
    from s3uploader_gui.core.connection_check import check_connection

    name = args.name or args.profile
    if not name:
        raise _config_error("Name the profile to test: s3uploader profiles test NAME.")
    args.profile = name
    with open_context(args) as context:
        result = check_connection(context.settings, bucket=args.bucket)
    data: Record = {
        "status": "ok" if result.ok else "failed",
        "profile": name,
        "host": result.host,
        "buckets": result.bucket_count,
        "bucket": result.bucket,
        "needs_bucket": result.needs_bucket,
        "error": None if result.ok else result.message,
    }
    if result.ok:
        rep.ok(data, result.message)
        return rep.exit_code
    message = result.message
    if result.needs_bucket:
        message = message.replace("enter the name of a bucket", "give --bucket NAME")
    rep.failed(data, name, message, command="test")
    return EXIT_USAGE


# -- argument parsing --------------------------------------------------------------------
def _add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The options every command takes; ``suppress`` keeps a sub-parser from resetting them."""

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group("connection and output")
    group.add_argument(
        "--profile",
        metavar="NAME",
        default=default(None),
        help="a profile saved in the app (“local” is the embedded local storage); "
        "without it, boto3's standard chain is used (AWS_* variables, ~/.aws)",
    )
    group.add_argument(
        "--endpoint-url",
        metavar="URL",
        default=default(None),
        help="an S3-compatible server (also AWS_ENDPOINT_URL_S3)",
    )
    group.add_argument(
        "--region", metavar="R", default=default(None), help="the region (also AWS_DEFAULT_REGION)"
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="print one JSON object per item and line on stdout",
    )


def _expires(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None


def _add_profile_fields(p: argparse.ArgumentParser) -> None:
    """The options of ``profiles add`` and ``profiles edit`` (the secret is never one)."""
    sup = argparse.SUPPRESS
    p.add_argument("--kind", choices=["aws", "s3-compatible"], default=None)
    p.add_argument("--endpoint-url", metavar="URL", default=sup, help="the S3 server's address")
    p.add_argument("--access-key-id", metavar="ID", default=None)
    p.add_argument("--region", metavar="R", default=sup)
    p.add_argument("--addressing-style", choices=["auto", "path", "virtual"], default=None)
    p.add_argument(
        "--aws-profile",
        metavar="NAME",
        default=None,
        help="use this profile of ~/.aws (SSO, assume-role...) instead of keys",
    )
    p.add_argument("--default-bucket", metavar="BUCKET", default=None)
    p.add_argument("--default-prefix", metavar="PREFIX", default=None)
    p.add_argument("--public-url", metavar="URL", default=None, help="a public/CDN base URL")
    p.add_argument(
        "--session-token",
        action="store_true",
        help="also ask for a session token (temporary credentials), after the secret",
    )
    p.add_argument("--json", action="store_true", default=sup, help="print JSON")


def _add_profiles_parsers(parent: argparse.ArgumentParser) -> None:
    """``profiles list|add|edit|remove|test`` (``profiles`` alone lists)."""
    sub = parent.add_subparsers(dest="profiles_command", metavar="ACTION")
    sup = argparse.SUPPRESS

    p = sub.add_parser("list", help="list the profiles", description="List the profiles.")
    p.add_argument("--json", action="store_true", default=sup, help="print JSON")
    p.set_defaults(func=cmd_profiles_list)

    text = (
        "add a profile; the secret access key is read from a hidden prompt, or from "
        "standard input when it is not a terminal (one line; a second line is the session "
        "token with --session-token)"
    )
    p = sub.add_parser("add", help="add a profile", description=text)
    p.add_argument("name", metavar="NAME")
    _add_profile_fields(p)
    p.set_defaults(func=cmd_profiles_add)

    text = "change a profile's fields; --new-secret asks for a new secret like add does"
    p = sub.add_parser("edit", help="change a profile", description=text)
    p.add_argument("name", metavar="NAME")
    p.add_argument("--rename", metavar="NEW_NAME", default=None)
    p.add_argument("--new-secret", action="store_true", help="ask for a new secret access key")
    _add_profile_fields(p)
    p.set_defaults(func=cmd_profiles_edit)

    p = sub.add_parser(
        "remove",
        help="delete a profile and its secrets",
        description="Delete a profile and the secrets stored for it in the keyring.",
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("--json", action="store_true", default=sup, help="print JSON")
    p.set_defaults(func=cmd_profiles_remove)

    p = sub.add_parser(
        "test",
        help="test a profile's connection",
        description="Test a profile: list buckets, or with --bucket the one bucket it may use.",
    )
    p.add_argument("name", metavar="NAME", nargs="?", default=None)
    p.add_argument("--bucket", metavar="BUCKET", default=None)
    p.add_argument("--json", action="store_true", default=sup, help="print JSON")
    p.set_defaults(func=cmd_profiles_test)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (global options are accepted before and after the command)."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Upload files to S3 (or an S3-compatible server) and share them."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_global_options(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _add_global_options(common, suppress=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, func: Callable[..., int], help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    p = command("upload", cmd_upload, "upload files and folders (folders keep their name)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--to", required=True, metavar="s3://BUCKET[/PREFIX/]")
    p.add_argument(
        "--on-conflict",
        choices=CONFLICT_CHOICES,
        default=None,
        help="when the key exists: overwrite it (default), skip the file, skip it only if "
        "identical (size and checksum), or upload as “name (1).ext”",
    )
    p.add_argument(
        "--skip-existing",
        action="store_true",
        help="same as --on-conflict skip-identical",
    )
    images = p.add_argument_group(
        "images (any of these turns image processing on; originals are never modified)"
    )
    images.add_argument(
        "--resize",
        type=_int_in(1, 100_000, "--resize"),
        metavar="MAXPX",
        help="fit images within MAXPX on their longest edge (never enlarged); "
        "EXIF orientation is applied to the pixels",
    )
    images.add_argument(
        "--quality",
        type=_int_in(1, 100, "--quality"),
        metavar="Q",
        help="JPEG/WebP/AVIF quality 1–100 (default 85)",
    )
    images.add_argument(
        "--format",
        choices=["keep", "jpeg", "webp", "png", "avif"],
        help="output format; the key's extension and Content-Type follow it (default keep)",
    )
    images.add_argument(
        "--metadata",
        choices=["strip-location", "strip-all", "keep"],
        help="EXIF/XMP metadata: remove GPS location (default), remove all, or keep; "
        "the colour profile is always kept",
    )

    p = command("ls", cmd_ls, "list buckets, or folders and objects under a prefix")
    p.add_argument("url", nargs="?", metavar="s3://BUCKET[/PREFIX/]")
    p.add_argument("--recursive", action="store_true", help="list every object below")

    p = command("presign", cmd_presign, "print a temporary download link (SigV4)")
    p.add_argument("url", metavar="s3://BUCKET/KEY")
    p.add_argument(
        "--expires",
        type=_expires,
        default=3600,
        metavar="SECONDS",
        help="lifetime of the link, 1 s to 7 days (default 3600)",
    )

    p = command("download", cmd_download, "download an object, or everything under a prefix/")
    p.add_argument("source", metavar="s3://BUCKET/KEY-or-PREFIX/")
    p.add_argument("dest", metavar="DEST_DIR")
    p.add_argument(
        "--on-conflict",
        choices=CONFLICT_CHOICES,
        default=None,
        help="when the local file exists: skip it (default), overwrite it, skip it only if "
        "identical, or save as “name (1).ext”",
    )
    p.add_argument("--overwrite", action="store_true", help="same as --on-conflict overwrite")

    p = command("rm", cmd_rm, "delete objects")
    p.add_argument("urls", nargs="+", metavar="s3://BUCKET/KEY")
    p.add_argument(
        "--recursive",
        action="store_true",
        help="a KEY ending in / (or none) deletes everything under it",
    )

    p = command("mb", cmd_mb, "create a bucket")
    p.add_argument("url", metavar="s3://BUCKET")

    p = command("profiles", cmd_profiles_list, "list, add, edit, remove or test saved profiles")
    _add_profiles_parsers(p)
    return parser


# -- entry point -------------------------------------------------------------------------
def _fatal(exc: BaseException, err: TextIO) -> int:
    """Print one line for an error that ends the run; 2 for configuration errors."""
    from s3uploader_gui.core.errors import translate

    app_error = translate(exc)
    print(f"{PROG}: {one_line(app_error.message)}", file=err, flush=True)
    return EXIT_USAGE if app_error.fatal else EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (2), --help and --version (0)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    rep = Reporter(json_mode=args.json, out=sys.stdout, err=sys.stderr)
    try:
        return int(args.func(args, rep))
    except KeyboardInterrupt:
        rep.clear_status()
        print("Cancelled.", file=sys.stderr, flush=True)
        return EXIT_CANCELLED
    except BrokenPipeError:
        # stdout was closed early (`| head`): stop quietly, as other tools do.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except Exception as exc:
        rep.clear_status()
        return _fatal(exc, sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
