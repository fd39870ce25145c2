"""``s3uploader``: the command-line twin of the GUI, built on the same core.

Exit status: 0 when every item succeeded (skipped items count as success), 1 when some
items failed (the others were still done), 2 for usage or configuration errors (bad
credentials, unknown bucket, unreachable endpoint, bad address, missing profile) and
130 when interrupted. Every failure is one line on stderr; ``--json`` prints one JSON
object per item on stdout.

The lazy-import rule, for every module of this package: import only the standard library
and this package at module level; heavy modules (boto3 through ``core``, Pillow, keyring)
are imported inside the functions that need them, and ``core`` types only under
``if TYPE_CHECKING:``, so that ``s3uploader --version`` and ``--help`` start quickly
(``tests/cli/test_commands.py`` checks that ``--version`` loads no boto3).

Layout: ``main`` (entry point), ``parser`` (arguments), ``output`` (what is printed),
``context`` (the connection), ``batch`` (the transfer run upload and download share), and
one module per command group: ``upload``, ``download``, ``listing`` (ls), ``share``
(presign), ``objects`` (rm, mb), ``profiles``.
"""

from s3uploader_gui.cli.cli_main import main as main


def run() -> None:
    """``main`` as a program: its status is the process's, and the process ends without
    the interpreter's teardown (``cli_main.exit_now``)."""
    from s3uploader_gui.cli.cli_main import exit_now

    exit_now(main())
