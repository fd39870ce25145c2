"""Object keys from local paths, S3 URIs and safe local paths for keys (Content-Types:
``content_types``, named here too)."""

from __future__ import annotations

import datetime as dt
import errno
import os
import stat
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from s3uploader_gui.core.content_types import IMAGE_EXTENSIONS as IMAGE_EXTENSIONS
from s3uploader_gui.core.content_types import content_type_for as content_type_for
from s3uploader_gui.core.content_types import content_type_table as content_type_table
from s3uploader_gui.core.content_types import is_image_name as is_image_name
from s3uploader_gui.core.content_types import warm_content_types as warm_content_types
from s3uploader_gui.core.errors import AppError, ConfigError, LocalFileError, UnsafePath

#: The error code of a file not sent because another file of its batch takes its key.
KEY_CLASH = "KeyClash"


def normalize_key(key: str) -> str:
    """NFC form, so a macOS (NFD) name and the same name typed elsewhere are one key."""
    return unicodedata.normalize("NFC", key)


def normalize_prefix(prefix: str) -> str:
    """'' or 'a/b/' — no leading slash, exactly one trailing slash."""
    prefix = normalize_key(prefix.replace("\\", "/")).lstrip("/")
    while "//" in prefix:
        prefix = prefix.replace("//", "/")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return prefix


@dataclass(frozen=True)
class S3Url:
    """A parsed ``s3://bucket/key`` address."""

    bucket: str
    key: str = ""

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def parse_s3_url(url: str) -> S3Url:
    """Parse ``s3://BUCKET[/KEY]``; raise ConfigError for anything else."""
    if not url.startswith("s3://"):
        raise ConfigError(f"“{url}” is not an S3 address: write s3://BUCKET/KEY.")
    rest = url[len("s3://") :]
    bucket, _, key = rest.partition("/")
    if not bucket:
        raise ConfigError(f"“{url}” has no bucket name: write s3://BUCKET/KEY.")
    return S3Url(bucket=bucket, key=key)


@dataclass(frozen=True)
class UploadSource:
    """One local file and the key it goes to.

    A preparation step (resizing an image, say) returns a new source whose ``path`` is a
    ``temporary`` file the engine deletes after the upload, and may set ``content_type``.
    """

    path: Path
    key: str
    size: int
    content_type: str | None = None
    temporary: bool = False
    #: The modification time the scan saw (``st_mtime_ns``), when it was a scan: the
    #: journal takes it instead of asking again (a change after it is found as the
    #: file's upload starts). Not part of the source's identity.
    mtime_ns: int | None = field(default=None, compare=False)


def _name_order(name: str) -> tuple[str, bool, str]:
    # By the key the name gives (NFC); of two names with one key (café in NFC and in NFD,
    # two files on Linux) the one spelled like the key comes first and keeps the key, so
    # the plan reports or renames the other.
    nfc = unicodedata.normalize("NFC", name)
    return (nfc, name != nfc, name)


def _link_problem(path: Path) -> LocalFileError | None:
    """Why the symlink at ``path`` leads to nothing that can be uploaded (None: it does)."""
    try:
        os.stat(path)
    except FileNotFoundError:
        try:
            target = os.readlink(path)
        except OSError as exc:  # the link itself went away meanwhile
            return _local_error(path, exc)
        text = f"{path} is a link to {target}, which does not exist."
        return LocalFileError(text, code="DanglingLink")
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            return _local_error(path, exc)
        text = f"{path} is a link that leads back to itself; not followed."
        return LocalFileError(text, code="LinkLoop")
    return None


def _unreadable_folder(folder: Path, exc: OSError) -> LocalFileError:
    denied = isinstance(exc, PermissionError)
    reason = "permission denied" if denied else (exc.strerror or str(exc)).lower()
    text = f"{folder} cannot be read: {reason}; its files were not added."
    return LocalFileError(text, code="PermissionDenied" if denied else "")


def _walk_files(folder: Path) -> Iterator[tuple[Path, LocalFileError | None]]:
    """Each file below ``folder`` (error None), and each path below it not added, with why.

    A folder's files come first, then its sub-folders, each in name order. Symlinks are
    followed as ``expand_sources`` says; a folder that is a link to one the walk is
    inside (``folder``, one above it, or one the walk went through: a cycle) is a
    ``LinkLoop`` row and is not followed.
    """
    try:
        real = folder.resolve(strict=True)
        # ``folder`` and every folder above it: a link to one of them would upload the
        # folder inside itself, or everything around it.
        outer = frozenset((st.st_dev, st.st_ino) for st in map(os.stat, [real, *real.parents]))
    except OSError as exc:
        yield folder, _unreadable_folder(folder, exc)
        return
    # A stack, not recursion: a deep tree must not meet Python's recursion limit.
    stack: list[tuple[Path, frozenset[tuple[int, int]]]] = [(folder, outer)]
    while stack:
        current, inside = stack.pop()
        try:
            with os.scandir(current) as it:
                entries = sorted(it, key=lambda e: _name_order(e.name))
        except OSError as exc:
            yield current, _unreadable_folder(current, exc)
            continue
        subfolders: list[tuple[Path, frozenset[tuple[int, int]]]] = []
        for entry in entries:
            path = Path(entry.path)
            try:
                is_folder = entry.is_dir()  # follows a symlink
            except OSError:
                is_folder = False  # a loop of links: _link_problem says so
            if not is_folder:
                yield path, _link_problem(path) if entry.is_symlink() else None
                continue
            try:
                st = entry.stat()
            except OSError as exc:
                yield path, _unreadable_folder(path, exc)
                continue
            if (st.st_dev, st.st_ino) in inside:
                text = f"{path} is a link back into the folder; not followed."
                yield path, LocalFileError(text, code="LinkLoop")
                continue
            subfolders.append((path, inside | {(st.st_dev, st.st_ino)}))
        stack.extend(reversed(subfolders))


def relative_key(prefix: str, parts: Iterable[str]) -> str:
    """Join a normalised prefix and path components into a key."""
    return normalize_key(normalize_prefix(prefix) + "/".join(parts))


def expand_sources(
    paths: Iterable[str | os.PathLike[str]],
    prefix: str = "",
) -> tuple[list[UploadSource], list[tuple[Path, LocalFileError]]]:
    """Expand files and folders into (file, key) pairs, in the order given.

    A dropped folder keeps its own name and structure under the prefix, as in a file
    manager copy: dropping ``~/Photos`` on ``trip/`` gives ``trip/Photos/a.jpg``.
    Returns the sources and, separately, the paths that cannot be uploaded.

    Two different files that map to one key are both returned: deciding between them is
    the upload planner's job (``core.operations.uploads.plan_uploads``), which reports
    the clash. Only the very same file reached twice for the same key (``a a``, a folder
    given twice) is listed once.

    Inside a folder, symlinks are followed like ``cp -rL``: a link to a file uploads the
    file it points to, under the link's name; a linked folder's files go under the
    link's name (a folder reached through two links, under both). A link back into a
    folder the walk is inside (or to one above the dropped folder) is not followed, and
    it, a dangling link and a folder that cannot be read are each a problem with one
    sentence; the rest of the folder is added.
    """
    sources: list[UploadSource] = []
    problems: list[tuple[Path, LocalFileError]] = []
    seen: set[tuple[str, str]] = set()

    norm_prefix = normalize_prefix(prefix)

    def add(path: Path, relative: str, absolute: str | None = None) -> None:
        """``relative``: the key below the prefix, before NFC; ``absolute``: str(path)
        when absolute (the walk's paths are)."""
        key = normalize_key(norm_prefix + relative)
        where = absolute or os.path.abspath(path)
        identity = (where, key)
        if identity in seen:
            return
        try:
            st = os.stat(absolute or path)
        except OSError as exc:
            problems.append((path, _local_error(path, exc)))
            return
        if not stat.S_ISREG(st.st_mode):
            problems.append((path, LocalFileError(f"{path} is not a regular file.")))
            return
        if not os.access(absolute or path, os.R_OK):
            # stat() works on a file we cannot open; say so now, not halfway through.
            problems.append((path, _local_error(path, PermissionError(path))))
            return
        seen.add(identity)
        sources.append(UploadSource(path=path, key=key, size=st.st_size, mtime_ns=st.st_mtime_ns))

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            base = path.resolve()
            # The walk's paths are the resolved folder's text and names: slicing them
            # gives what relative_to would, at a fraction of pathlib's cost per file.
            inside = str(base) if str(base).endswith(os.sep) else str(base) + os.sep
            top = base.name + "/"
            found = False
            for file, problem in _walk_files(base):
                found = True
                if problem is not None:
                    problems.append((file, problem))
                    continue
                text = str(file)
                if text.startswith(inside):
                    below = text[len(inside) :]
                    add(file, top + (below if os.sep == "/" else below.replace(os.sep, "/")), text)
                else:
                    add(file, "/".join([base.name, *file.relative_to(base).parts]))
            if not found:
                problems.append((path, LocalFileError(f"The folder {path} contains no files.")))
        elif path.exists():
            add(path, path.name)
        elif path.is_symlink():
            problems.append((path, _link_problem(path) or _local_error(path, FileNotFoundError())))
        else:
            problems.append((path, LocalFileError(f"{path} does not exist.", code="FileNotFound")))
    return sources, problems


#: The former name of ``expand_sources``, kept until every caller uses
#: ``core.operations.uploads.expand_paths``.
plan_uploads = expand_sources


def key_clash(key: str, other: Path | None) -> AppError:
    """The error of a file not sent because another file of its upload goes to ``key``."""
    if other is None:
        text = f"Another file in this upload already goes to the same key {key}."
    else:
        text = f"Another file in this upload, {other}, goes to the same key {key}."
    return AppError(text, code=KEY_CLASH)


def _local_error(path: Path, exc: OSError) -> LocalFileError:
    if isinstance(exc, PermissionError):
        return LocalFileError(f"{path} cannot be read: permission denied.", code="PermissionDenied")
    if isinstance(exc, FileNotFoundError):
        return LocalFileError(f"{path} no longer exists.", code="FileNotFound")
    return LocalFileError(f"{path}: {exc.strerror or exc}.")


def safe_local_path(
    dest_dir: Path, key: str, strip_prefix: str = "", *, name_max: int | None = None
) -> Path:
    """Map an object key to a path inside ``dest_dir``, refusing anything that escapes it.

    Keys are untrusted: ``../x``, ``/etc/x``, ``a/../../x``, backslashes and NUL bytes
    could otherwise write anywhere on disk. With ``name_max`` (the file system's limit on
    one name, in bytes: ``os.pathconf(folder, "PC_NAME_MAX")``), a key whose file or
    folder name is longer is refused too: S3 allows keys of 1,024 bytes, most file systems
    names of 255. Every refusal is an ``UnsafePath`` for this key alone, with a ``code``
    saying why (``NameTooLong``, ``DotDot``...), so a caller can fail just this key.
    """
    rel = key[len(strip_prefix) :] if strip_prefix and key.startswith(strip_prefix) else key
    if "\x00" in rel:
        raise UnsafePath(
            f"The key “{key!r}” contains a NUL byte and cannot be saved.", code="NulByte"
        )
    if "\\" in rel:
        raise UnsafePath(
            f"The key “{key}” contains a backslash and cannot be saved safely.", code="Backslash"
        )
    if rel.startswith("/"):
        raise UnsafePath(
            f"The key “{key}” is an absolute path and cannot be saved safely.", code="Absolute"
        )
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    if not parts:
        raise UnsafePath(f"The key “{key}” has no file name.", code="NoName")
    if any(p == ".." for p in parts):
        raise UnsafePath(
            f"The key “{key}” points outside the destination folder (“..”).", code="DotDot"
        )
    if os.name == "nt" and any(":" in p for p in parts):
        raise UnsafePath(
            f"The key “{key}” contains a drive or stream separator (“:”).", code="Colon"
        )
    if name_max is not None:
        for part in parts:
            size = len(os.fsencode(part))
            if size > name_max:
                raise UnsafePath(
                    f"The name “{part[:24]}…” in this key is {size} bytes long, longer "
                    f"than the {name_max} bytes the destination's file system allows.",
                    code="NameTooLong",
                )
    try:
        root = dest_dir.resolve()
        target = root.joinpath(*parts)
        # Belt and braces: a symlink inside dest_dir could still lead elsewhere.
        resolved_parent = target.parent.resolve()
    except OSError as exc:  # a symlink loop, say
        raise UnsafePath(
            f"The key “{key}” cannot be placed in the destination folder: {exc.strerror or exc}.",
            code="Unresolvable",
        ) from exc
    if resolved_parent != root and root not in resolved_parent.parents:
        raise UnsafePath(
            f"The key “{key}” resolves outside the destination folder.", code="Outside"
        )
    return target


# -- key templates -----------------------------------------------------------------------
#: The template that reproduces plain "prefix + relative path" keys.
DEFAULT_KEY_TEMPLATE = "{prefix}{path}"

#: Placeholders a key template may use, with what they stand for.
TEMPLATE_FIELDS: dict[str, str] = {
    "prefix": "the destination folder (ends with /, or empty)",
    "path": "the file's path below the destination, with its name (Trip/day1/a.jpg)",
    "dir": "the folders of that path, ending with / (Trip/day1/), or empty",
    "name": "the file name with its extension (a.jpg)",
    "stem": "the file name without its extension (a)",
    "ext": "the extension with its dot, lower case (.jpg), or empty",
    "date": "the upload date and time; format it like {date:%Y/%m/%d}",
    "mtime": "the file's modification time; format it like {mtime:%Y-%m}",
}

_DATE_FIELDS = frozenset({"date", "mtime"})


def validate_key_template(template: str) -> str | None:
    """None when ``template`` is usable, else one sentence saying what is wrong."""
    import string

    if not template.strip():
        return "The key template is empty."
    if template.startswith("/") or template.endswith("/"):
        return "The key template must not start or end with /."
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"The key template has unbalanced braces ({exc})."
    names: set[str] = set()
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name == "" or name.isdigit():
            return "Every {…} in the key template needs a name, such as {name}."
        if name not in TEMPLATE_FIELDS:
            known = ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
            return f"Unknown placeholder {{{name}}}; use one of {known}."
        if conversion:
            return f"Conversions such as {{{name}!{conversion}}} are not supported."
        if spec and name not in _DATE_FIELDS:
            return f"Only {{date}} and {{mtime}} take a format, not {{{name}}}."
        names.add(name)
    if not names & {"path", "name", "stem"}:
        return "The key template must contain {path}, {name} or {stem}, or every file gets one key."
    try:
        sample = render_key(template, "p/", "a/b.txt", now=dt.datetime(2026, 1, 2, 3, 4, 5))
    except (ValueError, KeyError) as exc:
        return f"The key template cannot be used: {exc}."
    if sample.startswith("/") or not sample or sample.endswith("/"):
        return "The key template must not start or end with /."
    return None


def render_key(
    template: str,
    prefix: str,
    relative: str,
    *,
    now: Any = None,
    mtime: float | None = None,
) -> str:
    """The key for a file at ``relative`` (below the destination) under ``prefix``.

    The result is NFC-normalised with no doubled or leading slashes.
    """
    # Module-level imports here: this runs for every queued file on the GUI thread, and
    # PySide's import hook makes an import inside a function cost microseconds each time.
    rel = PurePosixPath(normalize_key(relative.replace("\\", "/")).lstrip("/"))
    when = now or dt.datetime.now()
    modified = dt.datetime.fromtimestamp(mtime) if mtime is not None else when
    parent = str(rel.parent)
    values = {
        "prefix": normalize_prefix(prefix),
        "path": str(rel),
        "dir": "" if parent in ("", ".") else parent + "/",
        "name": rel.name,
        "stem": rel.stem if rel.suffix else rel.name,
        "ext": rel.suffix.lower(),
        "date": when,
        "mtime": modified,
    }
    key = normalize_key(template.format(**values))
    while "//" in key:
        key = key.replace("//", "/")
    return key.lstrip("/")


def renamed_key(key: str, n: int) -> str:
    """``photos/a (n).jpg`` for ``photos/a.jpg``: the n-th alternative name."""
    folder, _, name = key.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    if not stem:  # no extension (or a dot-file such as .env)
        stem, dot, ext = name, "", ""
    new = f"{stem} ({n}){dot}{ext}"
    return f"{folder}/{new}" if folder else new
