"""Keys from paths, Content-Types, S3 URLs, upload plans and safe local paths."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from s3uploader_gui.core import content_types, naming
from s3uploader_gui.core.errors import ConfigError, LocalFileError, UnsafePath
from s3uploader_gui.core.naming import (
    S3Url,
    content_type_for,
    is_image_name,
    normalize_key,
    normalize_prefix,
    parse_s3_url,
    plan_uploads,
    relative_key,
    safe_local_path,
)
from tests.helpers.files import make_jpeg, make_png, make_random


# -- content types ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "ctype"),
    [
        ("photo.jpg", "image/jpeg"),
        ("PHOTO.JPEG", "image/jpeg"),
        ("a.png", "image/png"),
        ("logo.svg", "image/svg+xml"),
        ("x.webp", "image/webp"),
        ("x.avif", "image/avif"),
        ("IMG_0001.HEIC", "image/heic"),
        ("x.heif", "image/heif"),
        ("index.html", "text/html"),
        ("data.json", "application/json"),
        ("clip.mp4", "video/mp4"),
        ("backup.tar.gz", "application/gzip"),
        ("dir/sub/notes.txt", "text/plain"),
        ("C:\\Users\\me\\pic.gif", "image/gif"),
        ("no_extension", "application/octet-stream"),
        ("weird.zzzunknownext", "application/octet-stream"),
    ],
)
def test_content_type_for(name: str, ctype: str) -> None:
    assert content_type_for(name) == ctype


def test_the_extension_is_read_as_a_posix_path_reads_it() -> None:
    # Every name of up to 6 characters from the ones that matter to a suffix.
    import itertools
    from pathlib import PurePosixPath

    letters = ["a", ".", "/", "\\", "B", ""]
    for chars in itertools.product(letters, repeat=6):
        name = "".join(chars)
        expected = PurePosixPath(name.replace("\\", "/")).suffix.lower() if name else ""
        assert content_types._suffix(name) == expected, name


def test_the_type_tables_are_read_ahead_only_when_a_name_needs_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(content_types, "_MIMETYPES", [])
    monkeypatch.setattr(content_types, "_GUESSED", {})
    started: list[str] = []
    real_thread = content_types.threading.Thread

    def thread(*args: object, **kwargs: object) -> object:
        started.append(str(kwargs.get("name")))
        return real_thread(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(content_types.threading, "Thread", thread)
    naming.warm_content_types(["a/b.jpg", "c.PNG", "d.svg"])  # all in the app's own table
    assert started == []
    naming.warm_content_types(["a/b.jpg", "figure.ps"])
    assert started == ["content-types"]
    assert content_type_for("x/figure.PS") == "application/postscript"
    assert content_types._MIMETYPES  # read once, whichever thread came first
    naming.warm_content_types(["other.ps"])
    assert started == ["content-types"]


def test_is_image_name() -> None:
    assert is_image_name("a/b/c.JPG")
    assert is_image_name("x.heic")
    assert not is_image_name("x.svg")  # vector, not a raster image
    assert not is_image_name("x.pdf")
    assert not is_image_name("jpg")


# -- keys and prefixes -----------------------------------------------------------------
def test_nfd_name_is_normalised_to_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Café/été.jpg")
    nfc = unicodedata.normalize("NFC", "Café/été.jpg")
    assert nfd != nfc
    assert normalize_key(nfd) == nfc
    assert relative_key(nfd, [nfd]) == nfc + "/" + nfc


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("/", ""),
        ("a", "a/"),
        ("a/", "a/"),
        ("/a/b", "a/b/"),
        ("a//b///c", "a/b/c/"),
        ("a\\b\\", "a/b/"),
        (unicodedata.normalize("NFD", "été"), "été/"),
    ],
)
def test_normalize_prefix(raw: str, expected: str) -> None:
    assert normalize_prefix(raw) == expected


def test_relative_key_joins_prefix_and_parts() -> None:
    assert relative_key("trip", ["Photos", "a.jpg"]) == "trip/Photos/a.jpg"
    assert relative_key("", ["a.jpg"]) == "a.jpg"


# -- s3 urls ---------------------------------------------------------------------------
def test_parse_s3_url() -> None:
    assert parse_s3_url("s3://bucket") == S3Url("bucket", "")
    assert parse_s3_url("s3://bucket/") == S3Url("bucket", "")
    assert parse_s3_url("s3://bucket/a/b c.jpg") == S3Url("bucket", "a/b c.jpg")
    assert str(parse_s3_url("s3://bucket/k")) == "s3://bucket/k"


@pytest.mark.parametrize(
    "url", ["bucket/key", "http://bucket/key", "s3:/bucket", "s3://", "s3:///key", "", "S3:/x"]
)
def test_parse_s3_url_errors(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_s3_url(url)
    assert "s3://BUCKET/KEY" in info.value.message


# -- plan_uploads ----------------------------------------------------------------------
def keys_of(sources: list[naming.UploadSource]) -> list[str]:
    return [s.key for s in sources]


def test_plan_single_files(tmp_path: Path) -> None:
    a = make_jpeg(tmp_path / "a.jpg")
    b = make_random(tmp_path / "b.bin", 1234)
    sources, problems = plan_uploads([a, str(b)], "dest")
    assert problems == []
    assert keys_of(sources) == ["dest/a.jpg", "dest/b.bin"]
    assert sources[1].size == 1234
    assert sources[0].path == a


def test_plan_folder_keeps_its_name_and_structure(tmp_path: Path) -> None:
    root = tmp_path / "Photos"
    make_jpeg(root / "a.jpg")
    make_png(root / "sub" / "b.png")
    make_random(root / "sub" / "deeper" / "c.bin", 10)
    sources, problems = plan_uploads([root], "trip/")
    assert problems == []
    assert sorted(keys_of(sources)) == [
        "trip/Photos/a.jpg",
        "trip/Photos/sub/b.png",
        "trip/Photos/sub/deeper/c.bin",
    ]
    sizes = {s.key: s.size for s in sources}
    assert sizes["trip/Photos/sub/deeper/c.bin"] == 10


def test_plan_folder_given_as_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_random(tmp_path / "album" / "x.bin", 1)
    monkeypatch.chdir(tmp_path / "album")
    sources, problems = plan_uploads(["."])
    assert problems == []
    assert keys_of(sources) == ["album/x.bin"]


def test_plan_nfd_file_name_gives_nfc_key(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "Crème brûlée.jpg")
    make_jpeg(tmp_path / nfd)
    sources, _ = plan_uploads([tmp_path / nfd])
    assert keys_of(sources) == [unicodedata.normalize("NFC", nfd)]


def test_plan_reports_missing_and_empty(tmp_path: Path) -> None:
    good = make_random(tmp_path / "ok.txt", 3)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "nested-empty").mkdir()
    missing = tmp_path / "nope.jpg"
    sources, problems = plan_uploads([missing, empty, good])
    assert keys_of(sources) == ["ok.txt"]
    assert [p for p, _ in problems] == [missing, empty]
    assert all(isinstance(e, LocalFileError) for _, e in problems)
    assert problems[0][1].code == "FileNotFound"
    assert "no files" in problems[1][1].message


def test_plan_lists_the_same_file_once_per_key(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    a = make_random(folder / "a.bin", 5)
    sources, problems = plan_uploads([a, a, folder, folder])
    assert problems == []
    assert keys_of(sources) == ["a.bin", "f/a.bin"]


def test_plan_keeps_two_files_that_map_to_one_key(tmp_path: Path) -> None:
    """Deciding between them (and saying so) is the upload planner's job: none is dropped."""
    first = make_random(tmp_path / "100CANON" / "IMG_0001.JPG", 5)
    second = make_random(tmp_path / "101CANON" / "IMG_0001.JPG", 6)
    sources, problems = naming.expand_sources([first, second], "trip")
    assert problems == []
    assert [(s.path, s.key) for s in sources] == [
        (first, "trip/IMG_0001.JPG"),
        (second, "trip/IMG_0001.JPG"),
    ]


def test_key_clash_sentence() -> None:
    err = naming.key_clash("trip/a.jpg", Path("x/a.jpg"))
    assert err.code == naming.KEY_CLASH
    assert err.message == "Another file in this upload, x/a.jpg, goes to the same key trip/a.jpg."
    assert not err.fatal


def test_plan_broken_symlink_inside_folder_is_a_problem(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    make_random(folder / "ok.bin", 1)
    (folder / "dangling").symlink_to(tmp_path / "does-not-exist")
    sources, problems = plan_uploads([folder])
    assert keys_of(sources) == ["f/ok.bin"]
    assert len(problems) == 1
    assert problems[0][0].name == "dangling"


def test_plan_special_file_is_a_problem(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    sources, problems = plan_uploads([fifo])
    assert sources == []
    assert len(problems) == 1
    assert "regular file" in problems[0][1].message


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_plan_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    secret = make_random(tmp_path / "locked.bin", 4)
    secret.chmod(0)
    try:
        sources, problems = plan_uploads([secret])
    finally:
        secret.chmod(0o600)
    assert sources == []
    assert problems[0][1].code == "PermissionDenied"


def test_plan_unreadable_file_is_a_problem_simulated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same as above but works as root: the planner asks os.access before queueing."""
    locked = make_random(tmp_path / "locked.bin", 4)
    other = make_random(tmp_path / "other.bin", 4)
    real_access = os.access

    def fake_access(path: object, mode: int, **kwargs: object) -> bool:
        if Path(str(path)) == locked and mode & os.R_OK:
            return False
        return real_access(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(naming.os, "access", fake_access)
    sources, problems = plan_uploads([locked, other])
    assert keys_of(sources) == ["other.bin"]
    assert [p for p, _ in problems] == [locked]
    assert problems[0][1].code == "PermissionDenied"


# -- safe_local_path -------------------------------------------------------------------
@pytest.mark.parametrize(
    "key",
    [
        "../x",
        "a/../../x",
        "a/b/../../../x",
        "/etc/x",
        "//etc/x",
        "a\\..\\..\\x",
        "dir\\file",
        "a\x00b",
        "",
        "/",
        "./",
        "..",
    ],
)
def test_safe_local_path_rejects(tmp_path: Path, key: str) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(UnsafePath):
        safe_local_path(dest, key)


def test_safe_local_path_rejects_symlink_escape(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    outside = tmp_path / "outside"
    dest.mkdir()
    outside.mkdir()
    (dest / "link").symlink_to(outside)
    with pytest.raises(UnsafePath):
        safe_local_path(dest, "link/x.txt")
    with pytest.raises(UnsafePath):
        safe_local_path(dest, "link/sub/x.txt")


@pytest.mark.parametrize(
    ("key", "parts"),
    [
        ("a.jpg", ("a.jpg",)),
        ("dir/sub/a.jpg", ("dir", "sub", "a.jpg")),
        ("dir//a.jpg", ("dir", "a.jpg")),
        ("./dir/a.jpg", ("dir", "a.jpg")),
        ("日本/写真 1.jpg", ("日本", "写真 1.jpg")),
        ("a..b/..c", ("a..b", "..c")),
        ("with space/#hash+plus%.txt", ("with space", "#hash+plus%.txt")),
    ],
)
def test_safe_local_path_accepts(tmp_path: Path, key: str, parts: tuple[str, ...]) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    target = safe_local_path(dest, key)
    assert target == dest.resolve().joinpath(*parts)


def test_safe_local_path_strips_the_prefix(tmp_path: Path) -> None:
    target = safe_local_path(tmp_path, "photos/2024/a.jpg", strip_prefix="photos/")
    assert target == tmp_path.resolve() / "2024" / "a.jpg"
    with pytest.raises(UnsafePath):
        safe_local_path(tmp_path, "photos/", strip_prefix="photos/")  # the folder marker
    with pytest.raises(UnsafePath):
        safe_local_path(tmp_path, "photos/../../x", strip_prefix="photos/")


def test_safe_local_path_inside_a_symlinked_destination(tmp_path: Path) -> None:
    """A destination that is itself a symlink is fine: only escapes from it are refused."""
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "alias").symlink_to(real)
    assert safe_local_path(tmp_path / "alias", "a/b.txt") == real / "a" / "b.txt"
