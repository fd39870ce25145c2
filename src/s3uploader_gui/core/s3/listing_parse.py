"""The ListObjectsV2 answer read without botocore: a page of 1,000 keys in a fraction of
the time its response parser takes.

Used for every page after a listing's first (``listing``); anything unusual falls back
to ElementTree here, and a page it cannot read at all goes through botocore instead.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

from s3uploader_gui.core.s3.listing_types import ObjectInfo, Page

if TYPE_CHECKING:
    # Loaded on first use (a worker thread), not at start-up: ElementTree brings in
    # modules that a cold start would read from disk.
    from xml.etree import ElementTree

log = logging.getLogger(__name__)

_S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


# Reading the five fields of every <Contents> with one C-level findall each is about
# three times faster than building an ElementTree. It relies on what S3 servers send:
# unprefixed tags without attributes, and these names only inside <Contents>. Anything
# else (a namespace prefix, CDATA, a field missing from some entries) is detected by the
# counts and read with ElementTree instead.
def _tag(name: str) -> re.Pattern[str]:
    return re.compile(f"<{name}>([^<]*)</{name}>")


_KEY, _SIZE, _MODIFIED, _ETAG, _CLASS = (
    _tag(n) for n in ("Key", "Size", "LastModified", "ETag", "StorageClass")
)
_COMMON_PREFIX = re.compile(r"<CommonPrefixes>\s*<Prefix>([^<]*)</Prefix>\s*</CommonPrefixes>")
_NEXT_TOKEN = _tag("NextContinuationToken")
_NEEDS_UNQUOTE = re.compile(r"[%+]")
_ENTITY = re.compile(r"&(#[xX][0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name[0] == "#":
        return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))
    return _NAMED[name]


def _unescape(text: str) -> str:
    return _ENTITY.sub(_entity, text) if "&" in text else text


def peek_next_token(body: bytes) -> str | None:
    """The continuation token of a listing response, found without parsing the rest."""
    if b"<IsTruncated>true</IsTruncated>" not in body:
        return None
    start = body.rfind(b"<NextContinuationToken>")
    end = body.find(b"</NextContinuationToken>", start)
    if start < 0 or end < 0:
        return None
    token = body[start + len(b"<NextContinuationToken>") : end].decode("utf-8", "replace")
    return _unescape(token) or None


def parse_listing(body: bytes, prefix: str) -> Page | None:
    """A ListObjectsV2 answer as a Page; None when it is not one."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    whole = "<ListBucketResult" in text[:1024] and text.rstrip().endswith("</ListBucketResult>")
    if not whole or "<![CDATA[" in text:
        return _parse_listing_tree(body, prefix)
    # Every ETag is quoted, as &quot; or &#34;: replaced once here rather than per entry
    # (an escaped "&amp;quot;" holds no "&quot;", so nothing is unescaped twice).
    text = text.replace("&quot;", '"').replace("&#34;", '"')
    count = text.count("<Contents>")
    keys = _KEY.findall(text)
    sizes = _SIZE.findall(text)
    modified = _MODIFIED.findall(text)
    etags = _ETAG.findall(text)
    classes = _CLASS.findall(text)
    folders = _COMMON_PREFIX.findall(text)
    if not (
        len(keys) == len(sizes) == len(modified) == len(etags) == count
        and len(classes) in (0, count)
        and len(folders) == text.count("<CommonPrefixes>")
    ):
        return _parse_listing_tree(body, prefix)
    encoded = "<EncodingType>url</EncodingType>" in text

    def name(raw: str) -> str:
        raw = _unescape(raw)
        return unquote_plus(raw) if encoded and ("%" in raw or "+" in raw) else raw

    # Whole columns at a time: most keys need no decoding, and keys written together
    # share their time (each distinct one is parsed once).
    plain = "&" not in "".join(keys) and not (encoded and _NEEDS_UNQUOTE.search("".join(keys)))
    names = keys if plain else [name(k) for k in keys]
    times = {when: _parse_time(when) if when else None for when in set(modified)}
    if any("&" in e for e in etags):
        etags = [_unescape(e) for e in etags]
    objects = list(
        map(
            ObjectInfo,
            names,
            map(int, sizes),
            map(times.__getitem__, modified),
            [e.strip('"') for e in etags],
            classes or [""] * count,
        )
    )
    if prefix.endswith("/") and prefix in names:  # the folder marker: the folder itself
        objects = [o for o in objects if o.key != prefix]
    truncated = "<IsTruncated>true</IsTruncated>" in text
    found = _NEXT_TOKEN.search(text) if truncated else None
    next_token = (_unescape(found.group(1)) or None) if found else None
    if truncated and next_token is None:
        return None  # "more follows" with no token: botocore's reading of it raises
    return Page(prefixes=[name(f) for f in folders], objects=objects, next_token=next_token)


def parse_or_none(body: bytes, prefix: str) -> Page | None:
    try:
        return parse_listing(body, prefix)
    except Exception as exc:  # a malformed field: botocore will say what is wrong
        log.debug("listing answer not read: %s", exc)
        return None


def _parse_listing_tree(body: bytes, prefix: str) -> Page | None:
    """The same as ``parse_listing`` through ElementTree (any well-formed answer)."""
    from xml.etree import ElementTree

    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return None
    ns = _S3_NS
    if root.tag != ns + "ListBucketResult":
        return None
    # Keys come URL-encoded only when the server says so (as botocore decodes them).
    decode = unquote_plus if root.findtext(ns + "EncodingType") == "url" else str

    def text(node: ElementTree.Element, name: str) -> str:
        return node.findtext(ns + name) or ""

    marker = prefix if prefix.endswith("/") else None
    objects = []
    for e in root.iter(ns + "Contents"):
        key = decode(text(e, "Key"))
        if key == marker:
            continue
        modified = text(e, "LastModified")
        objects.append(
            ObjectInfo(
                key=key,
                size=int(text(e, "Size") or 0),
                last_modified=_parse_time(modified) if modified else None,
                etag=text(e, "ETag").strip('"'),
                storage_class=text(e, "StorageClass"),
            )
        )
    truncated = text(root, "IsTruncated") == "true"
    next_token = (text(root, "NextContinuationToken") or None) if truncated else None
    if truncated and next_token is None:
        return None
    return Page(
        prefixes=[decode(text(e, "Prefix")) for e in root.iter(ns + "CommonPrefixes")],
        objects=objects,
        next_token=next_token,
    )


def _parse_time(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)
