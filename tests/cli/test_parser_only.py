"""A run builds the parser of its own command only (``command_of``, ``build_parser(only)``):
whatever the arguments, the outcome is the full parser's, arguments, errors and all; help,
the version and anything unclear get the full parser.
"""

from __future__ import annotations

import argparse

import pytest

from s3uploader_gui.cli.parser import COMMANDS, build_parser, command_of

PARSED = [
    ["upload", "d", "--to", "s3://b/"],
    ["--profile", "upload", "upload", "d", "--to", "s3://b/"],  # a profile named "upload"
    ["--endpoint-url=http://x:1", "--json", "upload", "a", "b", "--to", "s3://b/p/"],
    ["upload", "--json", "d", "--to", "s3://b/", "--profile", "p", "--on-conflict", "skip"],
    ["--prof", "x", "--reg", "eu-west-3", "upload", "d", "--to", "s3://b/", "--resize", "800"],
    ["upload", "d", "--to", "s3://b/", "--print-link"],
    ["--region", "eu", "ls", "s3://b/", "--recursive"],
    ["ls"],
    ["presign", "s3://b/k", "--expires", "60"],
    ["download", "s3://b/k", "dest", "--overwrite"],
    ["rm", "s3://b/k", "--recursive"],
    ["mb", "s3://b"],
    ["history", "--limit", "5", "--search", "cat"],
    ["profiles"],
    ["profiles", "add", "n", "--kind", "aws", "--region", "eu-west-3"],
    ["--json", "profiles", "test", "n", "--bucket", "b"],
]

REFUSED = [
    ["upload", "d"],
    ["upload", "d", "--to", "s3://b/", "--resize", "0"],
    ["--profile", "p", "upload"],
    ["ls", "--nope"],
    ["history", "--limit", "x"],
    ["profiles", "add"],
]


def _outcome(parser: argparse.ArgumentParser, argv: list[str]) -> dict[str, object] | int:
    try:
        return vars(parser.parse_args(argv))
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.mark.parametrize("argv", PARSED, ids=" ".join)
def test_the_command_alone_parses_as_the_full_parser(argv: list[str]) -> None:
    assert command_of(argv) in COMMANDS
    assert _outcome(build_parser(command_of(argv)), argv) == _outcome(build_parser(), argv)


@pytest.mark.parametrize("argv", REFUSED, ids=" ".join)
def test_the_command_alone_refuses_as_the_full_parser(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _outcome(build_parser(command_of(argv)), argv) == 2
    alone = capsys.readouterr()
    assert _outcome(build_parser(), argv) == 2
    assert capsys.readouterr() == alone


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--help"],
        ["-h"],
        ["upload", "-h"],
        ["--he"],
        ["--version"],
        ["--vers"],
        ["nosuch", "x"],
        ["--profile"],
        ["--", "upload"],
        ["--json"],
    ],
    ids=lambda argv: " ".join(argv) or "nothing",
)
def test_help_the_version_and_anything_unclear_get_the_full_parser(argv: list[str]) -> None:
    assert command_of(argv) is None


def test_the_full_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    from s3uploader_gui.cli import main

    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)


@pytest.mark.parametrize("columns", [None, "60", "abc", "-3", "0", "200"])
def test_the_help_is_as_wide_as_shutil_says(
    columns: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parser's own width lookup (argparse's would import ``shutil``) answers as
    ``shutil.get_terminal_size`` does."""
    import shutil

    from s3uploader_gui.cli.parser import _columns

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert _columns() == shutil.get_terminal_size().columns
    monkeypatch.setenv("COLUMNS", "60")
    lines = build_parser().format_help().splitlines()
    assert max(map(len, lines)) <= 58
