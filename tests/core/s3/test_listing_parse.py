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


def _entry(*fields: str) -> str:
    return "<Contents>" + "".join(fields) + "</Contents>"


KEY, MOD = "<Key>{}</Key>", "<LastModified>2026-01-02T03:04:05.000Z</LastModified>"
ETAG, SIZE = "<ETag>&quot;e&quot;</ETag>", "<Size>{}</Size>"


def _sizes(body: bytes) -> dict[str, int]:
    page = listing_parse.parse_listing(body, "p/")
    assert page is not None
    assert page == listing_parse._parse_listing_tree(body, "p/")  # the real XML parse
    return {o.key: o.size for o in page.objects}


def test_an_entry_missing_its_size_shifts_no_size_onto_another_key() -> None:
    # The field totals still match: b has no Size, c has two.
    body = _xml(
        _entry(KEY.format("p/a"), MOD, ETAG, SIZE.format(1))
        + _entry(KEY.format("p/b"), MOD, ETAG)
        + _entry(KEY.format("p/c"), MOD, ETAG, SIZE.format(3), SIZE.format(9))
    )
    sizes = _sizes(body)
    assert sizes["p/a"] == 1 and sizes["p/b"] != 3 and sizes["p/c"] == 3


def test_reordered_fields_are_read_by_name() -> None:
    body = _xml(
        _entry(KEY.format("p/a"), MOD, ETAG, SIZE.format(1))
        + _entry(SIZE.format(2), ETAG, KEY.format("p/b"), MOD)
        + _entry(KEY.format("p/c"), MOD, ETAG, SIZE.format(3))
    )
    assert _sizes(body) == {"p/a": 1, "p/b": 2, "p/c": 3}


def test_an_extra_element_neither_drops_an_object_nor_shifts_keys() -> None:
    # b's Key is missing and c carries a second one inside an extra element: the totals
    # match, and a column reader would drop b and give its size to c.
    body = _xml(
        _entry(KEY.format("p/a"), MOD, ETAG, SIZE.format(1))
        + _entry(MOD, ETAG, SIZE.format(2))
        + _entry(KEY.format("p/c"), MOD, ETAG, SIZE.format(3), "<Extra><Key>p/x</Key></Extra>")
    )
    # An entry with no key cannot be read here: botocore reads the page instead.
    assert listing_parse.parse_listing(body, "p/") is None
    extra = _xml(
        _entry(KEY.format("p/a"), MOD, ETAG, SIZE.format(1))
        + _entry(KEY.format("p/b"), MOD, ETAG, SIZE.format(2), "<Owner><ID>o</ID></Owner>")
        + _entry(KEY.format("p/c"), MOD, ETAG, SIZE.format(3))
    )
    assert _sizes(extra) == {"p/a": 1, "p/b": 2, "p/c": 3}


def test_conforming_answers_keep_the_fast_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every entry shaped like the first (optional fields included): no ElementTree."""

    def refuse(body: bytes, prefix: str) -> None:
        raise AssertionError("fell back to ElementTree")

    owner = "<Owner><ID>o</ID><DisplayName>d</DisplayName></Owner>"
    cls = "<StorageClass>STANDARD</StorageClass>"
    body = _xml(
        "".join(
            _entry(KEY.format(f"p/{i}"), MOD, ETAG, SIZE.format(i), owner, cls) for i in range(5)
        )
    )
    plain = _xml("".join(_entry(KEY.format(f"p/{i}"), MOD, ETAG, SIZE.format(i)) for i in range(3)))
    monkeypatch.setattr(listing_parse, "_parse_listing_tree", refuse)
    assert _sizes_fast(body) == {f"p/{i}": i for i in range(5)}
    assert _sizes_fast(plain) == {f"p/{i}": i for i in range(3)}


def _sizes_fast(body: bytes) -> dict[str, int]:
    page = listing_parse.parse_listing(body, "p/")
    assert page is not None
    return {o.key: o.size for o in page.objects}
