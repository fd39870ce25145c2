"""The listing XML reader: the fast one agrees with ElementTree on every shape."""

from __future__ import annotations

import datetime as dt

import pytest

from s3uploader_gui.core.s3 import listing_parse
from s3uploader_gui.core.s3.listing_types import ObjectInfo

NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def _xml(contents: str, extra: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult {NS}><Name>b</Name>'
        f"<Prefix>p/</Prefix>{extra}{contents}</ListBucketResult>"
    ).encode()


ENTRY = (
    "<Contents><Key>{key}</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified>"
    "<ETag>&quot;abc&quot;</ETag><Size>{size}</Size>{cls}</Contents>"
)


def test_reader_matches_elementtree_on_every_shape() -> None:
    entries = "".join(
        ENTRY.format(key=k, size=i, cls="<StorageClass>STANDARD</StorageClass>")
        for i, k in enumerate(["p/", "p/a%26b+c.txt", "p/%C3%BC.txt", "p/x&amp;y%3C.txt"])
    )
    folders = "<CommonPrefixes><Prefix>p/sub%2B/</Prefix></CommonPrefixes>"
    tail = (
        "<IsTruncated>true</IsTruncated><NextContinuationToken>t&amp;1</NextContinuationToken>"
        "<EncodingType>url</EncodingType>"
    )
    body = _xml(entries + folders, tail)
    fast = listing_parse.parse_listing(body, "p/")
    assert fast == listing_parse._parse_listing_tree(body, "p/")
    assert fast is not None
    assert [o.key for o in fast.objects] == ["p/a&b c.txt", "p/ü.txt", "p/x&y<.txt"]
    assert fast.objects[0] == ObjectInfo(
        "p/a&b c.txt", 1, dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), "abc", "STANDARD"
    )
    assert fast.prefixes == ["p/sub+/"]
    assert fast.next_token == "t&1" == listing_parse.peek_next_token(body)
    # Not truncated: no token, whatever else the answer says.
    last = body.replace(b"<IsTruncated>true", b"<IsTruncated>false")
    assert listing_parse.parse_listing(last, "p/").next_token is None  # type: ignore[union-attr]
    assert listing_parse.peek_next_token(last) is None
    # Without EncodingType, keys are taken as they are.
    plain = _xml(ENTRY.format(key="p/50%+", size=1, cls=""))
    assert [o.key for o in listing_parse.parse_listing(plain, "p/").objects] == ["p/50%+"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "body",
    [
        # A field missing from one entry, pretty-printed XML, CDATA, a namespace prefix.
        _xml(
            ENTRY.format(key="p/a", size=1, cls="<StorageClass>S</StorageClass>")
            + ENTRY.format(key="p/b", size=2, cls="")
        ),
        _xml(ENTRY.format(key="p/a", size=1, cls="").replace("><", ">\n  <")),
        _xml(ENTRY.format(key="<![CDATA[p/a]]>", size=1, cls="")),
        (
            f'<s3:ListBucketResult xmlns:s3="{NS[7:-1]}"><s3:Contents><s3:Key>p/a</s3:Key>'
            "<s3:Size>1</s3:Size><s3:ETag>e</s3:ETag></s3:Contents></s3:ListBucketResult>"
        ).encode(),
    ],
)
def test_reader_falls_back_to_elementtree_for_unusual_answers(body: bytes) -> None:
    page = listing_parse.parse_listing(body, "p/")
    assert page is not None
    assert page == listing_parse._parse_listing_tree(body, "p/")
    assert [o.key for o in page.objects][:1] == ["p/a"]


def test_reader_refuses_what_is_not_a_listing() -> None:
    assert listing_parse.parse_listing(b"<Error><Code>AccessDenied</Code></Error>", "") is None
    assert listing_parse.parse_listing(b"\xff\xfe", "") is None
    assert listing_parse.parse_listing(b"<ListBucketResult", "") is None


def test_reader_leaves_malformed_fields_to_botocore() -> None:
    body = _xml(ENTRY.format(key="p/a", size="many", cls=""))
    with pytest.raises(ValueError):
        listing_parse.parse_listing(body, "p/")
    assert listing_parse.parse_or_none(body, "p/") is None  # the stream then asks botocore
