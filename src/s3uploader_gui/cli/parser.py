"""The ``s3uploader`` argument parser: global options, every command's options, and the
argument types that check them.

A command's module is imported when the command runs (``_Run``), and only the parser of
the command being run is built (``command_of``): a run loads its own command alone.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from s3uploader_gui import __version__
from s3uploader_gui.cli.output import PROG

if TYPE_CHECKING:
    from s3uploader_gui.cli.output import Reporter


def _columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size`` gives it (``COLUMNS``, else the
    terminal of stdout, else 80), without importing ``shutil`` and its compression modules."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, told the terminal's width: argparse makes one for every
    option it adds and would import ``shutil`` to ask."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = _columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser (and its sub-parsers) with ``_Formatter`` unless told otherwise."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)


class _Run:
    """A command's function (``cmd_*`` of a module of this package), imported when the
    command runs; equal to another for the same function, as the function itself is."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def __call__(self, args: argparse.Namespace, rep: Reporter) -> int:
        """Run the command; its exit status."""
        module = importlib.import_module(f"s3uploader_gui.cli.{self.module}")
        return int(getattr(module, self.name)(args, rep))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Run):
            return NotImplemented
        return (self.module, self.name) == (other.module, other.name)

    def __hash__(self) -> int:
        return hash((self.module, self.name))

    def __repr__(self) -> str:
        return f"<command {self.module}.{self.name}>"


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
    p.set_defaults(func=_Run("profiles", "cmd_profiles_list"))

    text = (
        "add a profile; the secret access key is read from a hidden prompt, or from "
        "standard input when it is not a terminal (one line; a second line is the session "
        "token with --session-token)"
    )
    p = sub.add_parser("add", help="add a profile", description=text)
    p.add_argument("name", metavar="NAME")
    _add_profile_fields(p)
    p.set_defaults(func=_Run("profiles", "cmd_profiles_add"))

    text = "change a profile's fields; --new-secret asks for a new secret like add does"
    p = sub.add_parser("edit", help="change a profile", description=text)
    p.add_argument("name", metavar="NAME")
    p.add_argument("--rename", metavar="NEW_NAME", default=None)
    p.add_argument("--new-secret", action="store_true", help="ask for a new secret access key")
    _add_profile_fields(p)
    p.set_defaults(func=_Run("profiles", "cmd_profiles_edit"))

    p = sub.add_parser(
        "remove",
        help="delete a profile and its secrets",
        description="Delete a profile and the secrets stored for it in the keyring.",
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("--json", action="store_true", default=sup, help="print JSON")
    p.set_defaults(func=_Run("profiles", "cmd_profiles_remove"))

    p = sub.add_parser(
        "test",
        help="test a profile's connection",
        description="Test a profile: list buckets, or with --bucket the one bucket it may use.",
    )
    p.add_argument("name", metavar="NAME", nargs="?", default=None)
    p.add_argument("--bucket", metavar="BUCKET", default=None)
    p.add_argument("--json", action="store_true", default=sup, help="print JSON")
    p.set_defaults(func=_Run("profiles", "cmd_profiles_test"))


#: Every command, in the order ``--help`` lists them.
COMMANDS = ("upload", "ls", "presign", "download", "rm", "mb", "history", "profiles")


class _Unsure(Exception):
    """The pre-scan could not tell the command (the full parser will say why)."""


class _QuietParser(_Parser):
    def error(self, message: str) -> NoReturn:
        raise _Unsure(message)


def command_of(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs, found as the full parser finds it (the global options
    and their values come first); None when help or the version is asked for, or when
    the command is not clear: then every command's parser is built."""
    for arg in argv:
        name = arg.split("=", 1)[0]
        asks = name.startswith("--") and any(o.startswith(name) for o in ("--help", "--version"))
        if arg == "-h" or asks:
            return None  # --help, --version or an abbreviation of them
    pre = _QuietParser(prog=PROG, add_help=False)
    _add_global_options(pre, suppress=False)
    pre.add_argument("command", nargs="?")
    try:
        known, _ = pre.parse_known_args(list(argv))
    except _Unsure:
        return None
    found = known.command
    return found if found in COMMANDS else None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser (global options are accepted before and after the command).

    ``only`` (``command_of``'s answer): build that command's parser alone, which parses
    its arguments exactly as the full parser does; the others cost time for nothing.
    """
    parser = _Parser(
        prog=PROG, description="Upload files to S3 (or an S3-compatible server) and share them."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_global_options(parser, suppress=False)
    common = _Parser(add_help=False)
    _add_global_options(common, suppress=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, func: _Run, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    for name in COMMANDS:
        if only is None or name == only:
            _ADDERS[name](command)
    return parser


#: ``command(name, func, help)`` of ``build_parser``: adds one command's parser.
_Command = Callable[[str, _Run, str], argparse.ArgumentParser]


def _add_upload(command: _Command) -> None:
    from s3uploader_gui.cli.batch import CONFLICT_CHOICES
    from s3uploader_gui.cli.upload_links import PRINT_LINK_CHOICES

    p = command(
        "upload", _Run("upload", "cmd_upload"), "upload files and folders (folders keep their name)"
    )
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
    p.add_argument(
        "--print-link",
        nargs="?",
        const="url",
        choices=PRINT_LINK_CHOICES,
        default=None,
        metavar="{url,presigned,markdown,html}",
        help="after the item lines, print a link to each uploaded file, in the order given: "
        "its public URL (the default; the profile's public URL when set), a presigned link "
        "(1 hour), or a Markdown or HTML line (public when the profile has a public URL, "
        "else presigned); with --json each row gets a “link”",
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


def _add_ls(command: _Command) -> None:
    p = command(
        "ls", _Run("listing", "cmd_ls"), "list buckets, or folders and objects under a prefix"
    )
    p.add_argument("url", nargs="?", metavar="s3://BUCKET[/PREFIX/]")
    p.add_argument("--recursive", action="store_true", help="list every object below")


def _add_presign(command: _Command) -> None:
    p = command("presign", _Run("share", "cmd_presign"), "print a temporary download link (SigV4)")
    p.add_argument("url", metavar="s3://BUCKET/KEY")
    p.add_argument(
        "--expires",
        type=_expires,
        default=3600,
        metavar="SECONDS",
        help="lifetime of the link, 1 s to 7 days (default 3600)",
    )


def _add_download(command: _Command) -> None:
    from s3uploader_gui.cli.batch import CONFLICT_CHOICES

    text = "download an object, or everything under a prefix/"
    p = command("download", _Run("download", "cmd_download"), text)
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


def _add_rm(command: _Command) -> None:
    p = command("rm", _Run("objects", "cmd_rm"), "delete objects")
    p.add_argument("urls", nargs="+", metavar="s3://BUCKET/KEY")
    p.add_argument(
        "--recursive",
        action="store_true",
        help="a KEY ending in / (or none) deletes everything under it",
    )


def _add_mb(command: _Command) -> None:
    p = command("mb", _Run("objects", "cmd_mb"), "create a bucket")
    p.add_argument("url", metavar="s3://BUCKET")


def _add_history(command: _Command) -> None:
    from s3uploader_gui.cli.history import DEFAULT_LIMIT

    p = command(
        "history", _Run("history", "cmd_history"), "list the uploads recorded, newest first"
    )
    p.add_argument(
        "--limit",
        type=_int_in(1, 10_000_000, "--limit"),
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"print at most N entries (default {DEFAULT_LIMIT})",
    )
    p.add_argument(
        "--search", metavar="TEXT", default="", help="only keys or buckets containing TEXT"
    )


def _add_profiles(command: _Command) -> None:
    text = "list, add, edit, remove or test saved profiles"
    p = command("profiles", _Run("profiles", "cmd_profiles_list"), text)
    _add_profiles_parsers(p)


_ADDERS: dict[str, Callable[[_Command], None]] = {
    "upload": _add_upload,
    "ls": _add_ls,
    "presign": _add_presign,
    "download": _add_download,
    "rm": _add_rm,
    "mb": _add_mb,
    "history": _add_history,
    "profiles": _add_profiles,
}
