"""The ListObjectsV2 answer read without botocore: a page of 1,000 keys in a fraction of
the time its response parser takes.

Used for every page of a listing stream (``listing.PageStream``), and by ``list_page``
for the pages after a listing's first; anything unusual falls back to ElementTree here,
and a page it cannot read at all goes through botocore instead.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

from s3uploader_gui.core.s3.listing_types import ObjectInfo, Page

if TYPE_CHECKING:
    # Loaded on first use (a worker thread), not at start-up: ElementTree brings in
    # modules that a cold start would read from disk.
    from xml.etree import ElementTree

log = logging.getLogger(__name__)

_S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


# Every <Contents> entry is read with one C-level findall of a pattern made from the
# first entry's shape (its tags in order, whatever order this server writes them in):
# about three times faster than building an ElementTree. An entry shaped otherwise (a
# field missing, moved or repeated, an extra element, attributes, a namespace prefix,
# CDATA) does not match, the number of matches then differs from the number of entries,
# and the page is read with ElementTree instead: a field is never taken from its
# neighbour's entry.
def _tag(name: str) -> re.Pattern[str]:
    return re.compile(f"<{name}>([^<]*)</{name}>")


_FIELDS = ("Key", "Size", "LastModified", "ETag", "StorageClass")
_REQUIRED = frozenset(_FIELDS[:4])
_ANY_TAG = re.compile(r"<[^>]*>")
_PLAIN_TAG = re.compile(r"</?[A-Za-z][\w.-]*>")
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
    columns = _entry_columns(text, count)
    folders = _COMMON_PREFIX.findall(text)
    if columns is None or len(folders) != text.count("<CommonPrefixes>"):
        return _parse_listing_tree(body, prefix)
    keys, sizes, modified, etags, classes = columns
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
            classes,
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


def _entry_columns(text: str, count: int) -> tuple[Sequence[str], ...] | None:
    """Key, Size, LastModified, ETag and StorageClass of every entry, as five columns in
    entry order; None unless every entry has the first one's shape."""
    if count == 0:
        return ((),) * len(_FIELDS)
    start = text.find("<Contents>")
    end = text.find("</Contents>", start)
    if end < 0:
        return None
    shape = _entry_shape(tuple(_ANY_TAG.findall(text, start, end + len("</Contents>"))))
    if shape is None:
        return None
    pattern, fields = shape
    entries = pattern.findall(text)
    if len(entries) != count:
        return None
    found = dict(zip(fields, zip(*entries, strict=True), strict=True))
    return tuple(found.get(f, ("",) * count) for f in _FIELDS)


@functools.lru_cache(maxsize=32)
def _entry_shape(tags: tuple[str, ...]) -> tuple[re.Pattern[str], tuple[str, ...]] | None:
    """The pattern of a <Contents> entry with exactly these tags in this order, capturing
    the fields it names (each once, as a direct child), and their names; None when the
    tags are not such an entry."""
    if tags[:1] != ("<Contents>",):
        return None
    parts: list[str] = []
    fields: list[str] = []
    open_tags: list[str] = []
    for i, tag in enumerate(tags):
        if not _PLAIN_TAG.fullmatch(tag):
            return None  # attributes, a comment, a self-closing tag: ElementTree's job
        parts.append(re.escape(tag))
        if tag[1] == "/":
            if not open_tags or open_tags.pop() != tag[2:-1]:
                return None
            parts.append(r"\s*")
            continue
        name = tag[1:-1]
        open_tags.append(name)
        if tags[i + 1 : i + 2] != (f"</{name}>",):
            parts.append(r"\s*")  # an element holding elements
        elif len(open_tags) == 2 and name in _FIELDS:
            parts.append("([^<]*)")
            fields.append(name)
        else:
            parts.append("[^<]*")
    if open_tags or len(set(fields)) != len(fields) or not set(fields) >= _REQUIRED:
        return None
    return re.compile("".join(parts[:-1])), tuple(fields)


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
        if e.find(ns + "Key") is None:
            return None  # an object without a name: botocore's reading of it says so
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
