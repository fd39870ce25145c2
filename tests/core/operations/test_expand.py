"""``expand_paths``: a dropped folder is walked whole, and whatever is not added has a row.

An unreadable sub-folder, a link that leads back into the folder and a dangling link each
get one sentence; the rest of the folder is added. Two names that differ only in Unicode
normalisation are two files, both planned. A symlinked folder is followed like
``cp -rL`` would. The unreadable folder is made with ``chmod 000``; root ignores
permission bits, so as root that case runs under ``runuser -u nobody`` on a copy of the
package and a tree readable by nobody.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

import s3uploader_gui
from s3uploader_gui.core.naming import KEY_CLASH
from s3uploader_gui.core.operations.uploads import ExpandedPaths, expand_paths, plan_uploads
from s3uploader_gui.core.transfers.model import ConflictPolicy
from tests.helpers.files import make_random

NFC = unicodedata.normalize("NFC", "café.jpg")
NFD = unicodedata.normalize("NFD", "café.jpg")


def keys(expanded: ExpandedPaths) -> list[str]:
    return [c.key for c in expanded.candidates]


def problems(expanded: ExpandedPaths) -> list[tuple[Path, str]]:
    return [(path, err.message) for path, err in expanded.problems]


def unreadable(folder: Path) -> str:
    return f"{folder} cannot be read: permission denied; its files were not added."


def link_back(link: Path) -> str:
    return f"{link} is a link back into the folder; not followed."


def dangling(link: Path) -> str:
    return f"{link} is a link to {os.readlink(link)}, which does not exist."


# -- an unreadable folder ------------------------------------------------------------------
_CHILD = """
import json, sys
from s3uploader_gui.core.operations.uploads import expand_paths
expanded = expand_paths(sys.argv[1:], "up")
print(json.dumps({
    "keys": [c.key for c in expanded.candidates],
    "problems": [[str(p), e.message, e.code] for p, e in expanded.problems],
}))
"""


def _python_for(user: str) -> str | None:
    """An interpreter ``user`` can run (the venv's may live in root's 0700 home)."""
    for candidate in (sys.executable, shutil.which("python3"), "/usr/bin/python3"):
        if not candidate:
            continue
        probe = subprocess.run(
            ["runuser", "-u", user, "--", candidate, "-c", "import json"],
            capture_output=True,
            timeout=60,
        )
        if probe.returncode == 0:
            return candidate
    return None


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder every user can read (pytest's tmp_path is inside root's 0700 folders)."""
    path = Path(tempfile.mkdtemp(prefix="s3u-expand-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        for root, dirs, _files in os.walk(path):
            for name in dirs:
                os.chmod(os.path.join(root, name), 0o755)
        shutil.rmtree(path)


def _expand_as_someone_without_root(
    paths: list[Path], shared: Path
) -> tuple[list[str], list[tuple[str, str, str]]]:
    """``expand_paths(paths, "up")`` run by a user whom permission bits stop."""
    if os.geteuid() != 0:
        expanded = expand_paths(paths, "up")
        return keys(expanded), [(str(p), e.message, e.code) for p, e in expanded.problems]
    if shutil.which("runuser") is None:
        pytest.skip("running as root, whom chmod 000 does not stop, and runuser is missing")
    python = _python_for("nobody")
    if python is None:
        pytest.skip("running as root and no Python interpreter is usable by 'nobody'")
    # A copy of the package, so the child does not depend on where the checkout lives.
    package = Path(s3uploader_gui.__file__).parent
    code = shared / "code"
    shutil.copytree(package, code / "s3uploader_gui", ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run(
        ["runuser", "-u", "nobody", "--", python, "-c", _CHILD, *map(str, paths)],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(code), "LANG": "C.UTF-8"},
        cwd=shared,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    return out["keys"], [tuple(p) for p in out["problems"]]


def test_an_unreadable_folder_is_a_row_and_the_rest_is_added(shared_dir: Path) -> None:
    tree = shared_dir / "tree"
    photos = tree / "Photos"
    make_random(photos / "a.jpg", 10)
    make_random(photos / "open" / "b.jpg", 10)
    make_random(photos / "private" / "c.jpg", 10)
    make_random(photos / "zeta.jpg", 10)
    make_random(tree / "Locked" / "d.jpg", 10)
    for path in [tree, photos, photos / "open"]:
        path.chmod(0o755)
    (photos / "private").chmod(0)
    (tree / "Locked").chmod(0)  # dropped itself

    found, rows = _expand_as_someone_without_root([photos, tree / "Locked"], shared_dir)

    assert found == ["up/Photos/a.jpg", "up/Photos/zeta.jpg", "up/Photos/open/b.jpg"]
    assert rows == [
        (str(photos / "private"), unreadable(photos / "private"), "PermissionDenied"),
        (str(tree / "Locked"), unreadable(tree / "Locked"), "PermissionDenied"),
    ]


# -- names that differ only in Unicode normalisation ------------------------------------------
@pytest.fixture
def nfc_nfd_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "Photos"
    make_random(folder / NFD, 20)
    make_random(folder / NFC, 10)
    if len(os.listdir(folder)) != 2:
        pytest.skip("this file system treats NFC and NFD names as one file")
    return folder


def test_nfc_and_nfd_names_are_two_candidates(nfc_nfd_folder: Path) -> None:
    expanded = expand_paths([nfc_nfd_folder], "trip")
    # Both go to the NFC key; the file whose name is that key exactly comes first.
    assert [(c.path.name, c.key, c.size) for c in expanded.candidates] == [
        (NFC, f"trip/Photos/{NFC}", 10),
        (NFD, f"trip/Photos/{NFC}", 20),
    ]
    assert expanded.problems == ()


@pytest.mark.parametrize("policy", [p for p in ConflictPolicy if p is not ConflictPolicy.RENAME])
def test_nfc_and_nfd_names_clash_in_the_plan(nfc_nfd_folder: Path, policy: ConflictPolicy) -> None:
    plan = plan_uploads(expand_paths([nfc_nfd_folder], "trip").candidates, policy=policy)
    assert [(i.source.path.name, i.key) for i in plan.items] == [(NFC, f"trip/Photos/{NFC}")]
    [rejected] = plan.rejected
    assert rejected.source.path.name == NFD
    assert rejected.error.code == KEY_CLASH
    assert rejected.reason == (
        f"Another file in this upload, {nfc_nfd_folder / NFC}, goes to the same key "
        f"trip/Photos/{NFC}."
    )


def test_nfc_and_nfd_names_are_both_stored_under_rename(nfc_nfd_folder: Path) -> None:
    expanded = expand_paths([nfc_nfd_folder], "trip")
    plan = plan_uploads(expanded.candidates, policy=ConflictPolicy.RENAME)
    renamed = unicodedata.normalize("NFC", "trip/Photos/café (1).jpg")
    assert [(i.source.path.name, i.key) for i in plan.items] == [
        (NFC, f"trip/Photos/{NFC}"),
        (NFD, renamed),
    ]
    assert plan.rejected == ()


# -- symlinks ----------------------------------------------------------------------------------
def test_a_symlinked_folder_is_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "Elsewhere"
    make_random(elsewhere / "x.jpg", 5)
    make_random(elsewhere / "sub" / "y.jpg", 7)
    photos = tmp_path / "Photos"
    make_random(photos / "a.jpg", 3)
    (photos / "linked").symlink_to(elsewhere, target_is_directory=True)
    (photos / "file-link.jpg").symlink_to(elsewhere / "x.jpg")  # relative: ../Elsewhere

    expanded = expand_paths([photos], "trip/")

    assert [(c.key, c.size) for c in expanded.candidates] == [
        ("trip/Photos/a.jpg", 3),
        ("trip/Photos/file-link.jpg", 5),  # the file the link points to, under the link's name
        ("trip/Photos/linked/x.jpg", 5),
        ("trip/Photos/linked/sub/y.jpg", 7),
    ]
    assert expanded.problems == ()
    # Read through the link, as the user named it.
    assert expanded.candidates[2].path == photos / "linked" / "x.jpg"
    assert expanded.candidates[2].path.read_bytes() == (elsewhere / "x.jpg").read_bytes()


def test_a_link_loop_is_a_row_and_not_followed(tmp_path: Path) -> None:
    photos = tmp_path / "Photos"
    make_random(photos / "a" / "f.txt", 4)
    other = tmp_path / "Other"
    make_random(other / "g.txt", 6)
    (photos / "self").symlink_to(".", target_is_directory=True)
    (photos / "up").symlink_to("..", target_is_directory=True)  # the dropped folder's parent
    # A cycle through a folder outside: Photos/a/to_other -> Other, Other/to_a -> Photos/a.
    (photos / "a" / "to_other").symlink_to(other, target_is_directory=True)
    (other / "to_a").symlink_to(photos / "a", target_is_directory=True)

    expanded = expand_paths([photos])

    assert keys(expanded) == ["Photos/a/f.txt", "Photos/a/to_other/g.txt"]
    assert problems(expanded) == [  # in the order the walk meets them
        (photos / "self", link_back(photos / "self")),
        (photos / "up", link_back(photos / "up")),
        (photos / "a" / "to_other" / "to_a", link_back(photos / "a" / "to_other" / "to_a")),
    ]
    assert {err.code for _path, err in expanded.problems} == {"LinkLoop"}


def test_a_dangling_link_is_a_row(tmp_path: Path) -> None:
    photos = tmp_path / "Photos"
    make_random(photos / "a.jpg", 3)
    (photos / "gone.jpg").symlink_to(tmp_path / "nowhere.jpg")
    (photos / "gone-folder").symlink_to("missing", target_is_directory=True)
    (photos / "ping").symlink_to("pong")
    (photos / "pong").symlink_to("ping")
    given = tmp_path / "given.jpg"
    given.symlink_to("absent.jpg")

    expanded = expand_paths([photos, given])

    assert keys(expanded) == ["Photos/a.jpg"]
    assert problems(expanded) == [
        (photos / "gone-folder", dangling(photos / "gone-folder")),
        (photos / "gone.jpg", dangling(photos / "gone.jpg")),
        (photos / "ping", f"{photos / 'ping'} is a link that leads back to itself; not followed."),
        (photos / "pong", f"{photos / 'pong'} is a link that leads back to itself; not followed."),
        (given, dangling(given)),
    ]
    assert [err.code for _path, err in expanded.problems] == [
        "DanglingLink", "DanglingLink", "LinkLoop", "LinkLoop", "DanglingLink"
    ]  # fmt: skip
