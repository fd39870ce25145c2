"""What a transfer batch is made of and what it answers: item states, conflict policies,
results, download sources, the options every uploaded object carries, and the callbacks
the engine calls on the caller's thread."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import AppError
from s3uploader_gui.core.naming import UploadSource, content_type_for


class ItemStatus(enum.StrEnum):
    QUEUED = "queued"
    PREPARING = "preparing"
    UPLOADING = "uploading"
    DOWNLOADING = "downloading"
    PAUSED = "paused"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in _FINISHED


_FINISHED = frozenset(
    {ItemStatus.DONE, ItemStatus.SKIPPED, ItemStatus.FAILED, ItemStatus.CANCELLED}
)


class ConflictPolicy(enum.StrEnum):
    """What to do when the destination (key or local file) already exists."""

    ASK = "ask"
    OVERWRITE = "overwrite"
    SKIP = "skip"
    SKIP_IDENTICAL = "skip-identical"
    RENAME = "rename"


@dataclass(frozen=True)
class ItemResult:
    """What happened to one item of a batch."""

    index: int
    key: str
    path: Path
    status: ItemStatus
    bytes: int = 0
    error: AppError | None = None
    #: How the item was verified ("CRC32", "MD5", "size") or why it was skipped.
    detail: str = ""


@dataclass(frozen=True)
class DownloadSource:
    """One object and the local file it goes to (``etag`` saves a HEAD per object)."""

    key: str
    path: Path
    size: int
    etag: str | None = None


@dataclass(frozen=True)
class ObjectOptions:
    """What every uploaded object carries besides its bytes.

    No ACL is sent unless ``acl`` is set ("public-read"): buckets with ACLs disabled
    refuse any ACL with AccessControlListNotSupported.
    """

    #: One Content-Type for every file; empty: by extension (``content_types`` first).
    content_type: str = ""
    content_types: Mapping[str, str] = field(default_factory=dict)
    cache_control: str = ""
    #: As typed; sent through ``content_disposition()`` (non-ASCII names, RFC 5987).
    content_disposition: str = ""
    storage_class: str = ""
    #: "" (the bucket's default), "AES256" (SSE-S3) or "aws:kms" (SSE-KMS).
    sse: str = ""
    kms_key_id: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    acl: str = ""

    def extra_args(self, key: str, content_type: str | None = None) -> dict[str, Any]:
        """PutObject / CreateMultipartUpload arguments for ``key``."""
        args: dict[str, Any] = {
            "ContentType": content_type
            or self.content_type
            or content_type_for(key, self.content_types)
        }
        if self.cache_control:
            args["CacheControl"] = self.cache_control
        if self.content_disposition:
            args["ContentDisposition"] = content_disposition(self.content_disposition)
        if self.storage_class:
            args["StorageClass"] = self.storage_class
        if self.sse:
            args["ServerSideEncryption"] = self.sse
            if self.sse == "aws:kms" and self.kms_key_id:
                args["SSEKMSKeyId"] = self.kms_key_id
        if self.metadata:
            args["Metadata"] = dict(self.metadata)
        if self.acl:
            args["ACL"] = self.acl
        return args

    def to_dict(self) -> dict[str, Any]:
        return {
            "content_type": self.content_type,
            "content_types": dict(self.content_types),
            "cache_control": self.cache_control,
            "content_disposition": self.content_disposition,
            "storage_class": self.storage_class,
            "sse": self.sse,
            "kms_key_id": self.kms_key_id,
            "metadata": dict(self.metadata),
            "acl": self.acl,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ObjectOptions:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


ItemCallback = Callable[[ItemResult], None]
#: (index, status, detail) — detail is e.g. "retrying…" or "" — on the calling thread.
StateCallback = Callable[[int, ItemStatus, str], None]

#: Turns a source into the file actually uploaded (resize, re-encode...). Runs on a
#: preparation thread; raises an AppError (e.g. BadImage) to fail just that item.
PrepareFn = Callable[[UploadSource, CancelToken], UploadSource]


@dataclass(frozen=True)
class Conflict:
    """An upload whose key exists already (for the "ask" policy)."""

    index: int
    key: str
    path: Path
    local_size: int
    remote_size: int
    remote_modified: Any = None


#: Answers a Conflict with OVERWRITE, SKIP or RENAME (called on the calling thread).
AskFn = Callable[[Conflict], ConflictPolicy]


#: Letters an ASCII file name spells out rather than drop (NFKD does not split them).
_SPELLED = str.maketrans(
    {"ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O",
     "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th"}
)  # fmt: skip
#: RFC 7230 token characters (a disposition type or a parameter name).
_TCHARS = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def content_disposition(value: str) -> str:
    """``value`` as a Content-Disposition header can carry it.

    Header bytes are read as Latin-1 by servers and clients, so a non-ASCII file name
    sent as it is comes back mangled ("JÃ¼rgen.txt"). Each non-ASCII parameter becomes
    an ASCII fallback (``filename="Jurgen.txt"``) followed by its RFC 5987 form
    (``filename*=UTF-8''J%C3%BCrgen.txt``), which browsers prefer (RFC 6266). ASCII
    values are sent exactly as typed; a bare non-ASCII name is taken as an attachment's
    file name.
    """
    if value.isascii():
        return value
    parts = _split_params(value)
    kind, params = parts[0].strip(), parts[1:]
    if "=" in kind or not kind or not set(kind) <= _TCHARS:
        params = [kind if "=" in kind else f"filename={_quoted(kind)}", *params]
        kind = "attachment"
    names = {p.split("=", 1)[0].strip().lower() for p in params}
    out = [kind]
    for param in params:
        name, _, raw = (x.strip() for x in param.partition("="))
        if param.isascii():
            out.append(param.strip())
        elif name.endswith("*"):  # an extended value typed unencoded
            out.append(f"{name}={_extended(_unquote(raw).rpartition(chr(39))[2])}")
        else:
            text = _unquote(raw)
            out.append(f"{name}={_quoted(_ascii_fallback(text))}")
            if name.lower() + "*" not in names:
                out.append(f"{name}*={_extended(text)}")
    return "; ".join(out)


def _split_params(value: str) -> list[str]:
    """``value`` split at each ";" outside a quoted string."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [p for i, p in enumerate(parts) if i == 0 or p.strip()]


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        raw = raw[1:-1]
        out, escaped = [], False
        for char in raw:
            if char == "\\" and not escaped:
                escaped = True
                continue
            out.append(char)
            escaped = False
        return "".join(out)
    return raw


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ascii_fallback(text: str) -> str:
    """``text`` in ASCII: accents dropped, a few letters spelled out, the rest "_"."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", text.translate(_SPELLED))
    kept = (c for c in plain if not unicodedata.combining(c))
    return "".join(c if c.isascii() and c.isprintable() else "_" for c in kept)


def _extended(text: str) -> str:
    """RFC 5987 ``ext-value``: UTF-8, percent-encoded outside ``attr-char``."""
    from urllib.parse import quote

    return "UTF-8''" + quote(text.encode("utf-8"), safe="!#$&+-.^_`|~")
