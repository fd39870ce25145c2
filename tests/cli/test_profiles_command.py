"""``s3uploader profiles list|add|edit|remove|test`` against a real SeaweedFS.

The secret comes from standard input (not a terminal) or a hidden prompt (a terminal),
never from argv or the environment; it must never appear in any output.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring.core
import pytest

from s3uploader_gui.cli import main
from s3uploader_gui.cli.profiles import read_secret
from s3uploader_gui.core.credentials import SERVICE, CredentialStore
from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.profiles import ProfileKind, ProfileStore
from s3uploader_gui.core.s3.client import S3Context
from tests.cli.conftest import Run, check_clean
from tests.helpers.fakekeyrings import LockedKeyring
from tests.helpers.memkeyring import MemoryKeyring


@pytest.fixture
def name() -> Iterator[str]:
    value = f"Seaweed {uuid.uuid4().hex[:6]}"
    yield value
    for field in ("secret_access_key", "session_token"):
        MemoryKeyring._store.pop((SERVICE, f"{value}:{field}"), None)


class Runner:
    """``main()`` in this process with a given standard input; output checked for secrets."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self.capsys = capsys
        self.monkeypatch = monkeypatch
        self.secrets: list[str] = []

    def __call__(self, *args: str, stdin: str = "") -> Run:
        self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        self.capsys.readouterr()
        code = main(list(args))
        out, err = self.capsys.readouterr()
        return check_clean(Run(code, out, err), self.secrets)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Runner:
    return Runner(capsys, monkeypatch)


def add_args(name: str, info: LocalServerInfo, *extra: str) -> list[str]:
    return [
        "profiles",
        "add",
        name,
        "--endpoint-url",
        info.endpoint_url,
        "--access-key-id",
        info.access_key_id,
        "--region",
        "us-east-1",
        "--addressing-style",
        "path",
        *extra,
    ]


def test_add_use_test_edit_remove(
    run: Runner,
    name: str,
    seaweed: LocalServerInfo,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    tmp_path: Path,
) -> None:
    secret = seaweed.secret_access_key
    run.secrets = [secret, "wrong-secret-value-123"]
    result = run(*add_args(name, seaweed, "--default-bucket", seaweed_bucket), stdin=secret + "\n")
    assert result.code == 0, result.stderr
    assert result.out_lines == [
        f"Saved profile “{name}” (secret in the keyring “memkeyring MemoryKeyring”)."
    ]
    profile = ProfileStore().get(name)
    assert profile.kind == ProfileKind.S3_COMPATIBLE
    assert (profile.endpoint_url, profile.addressing_style) == (seaweed.endpoint_url, "path")
    assert CredentialStore().get(name) == secret
    assert secret not in ProfileStore().path.read_text(encoding="utf-8")

    # list: human and JSON, no secret anywhere.
    listed = run("profiles", "list")
    assert listed.code == 0
    assert any(
        line.startswith(f"  {name}: s3-compatible") and "secret in the keyring" in line
        for line in listed.out_lines
    ), listed.stdout
    records = [json.loads(line) for line in run("profiles", "list", "--json").out_lines]
    assert records[0]["kind"] == "local"
    mine = next(r for r in records if r["name"] == name)
    assert mine["secret"] == "keyring" and mine["access_key_id"] == seaweed.access_key_id

    # test, then use it with --profile.
    tested = run("profiles", "test", name)
    assert tested.code == 0, tested.stderr
    assert tested.stdout.startswith("Connected to 127.0.0.1:")
    file = tmp_path / "via-profile.txt"
    file.write_text("profile upload", encoding="utf-8")
    up = run("--profile", name, "upload", str(file), "--to", f"s3://{seaweed_bucket}/cli/")
    assert up.code == 0, up.stderr
    body = seaweed_context.client.get_object(Bucket=seaweed_bucket, Key="cli/via-profile.txt")
    assert body["Body"].read() == b"profile upload"

    # edit: a wrong secret makes the test fail with the precise message (exit 2).
    edited = run("profiles", "edit", name, "--new-secret", stdin="wrong-secret-value-123\n")
    assert edited.code == 0, edited.stderr
    failed = run("profiles", "test", name, "--json")
    assert failed.code == 2
    assert "secret access key is wrong" in failed.stderr
    assert json.loads(failed.stdout)["status"] == "failed"
    # edit other fields without touching the secret; rename moves the secret.
    renamed = f"{name} renamed"
    assert run("profiles", "edit", name, "--rename", renamed, "--region", "eu-1").code == 0
    assert CredentialStore().get(renamed) == "wrong-secret-value-123"
    assert CredentialStore().get(name) is None
    assert ProfileStore().get(renamed).region == "eu-1"

    removed = run("profiles", "remove", renamed)
    assert removed.code == 0
    assert removed.out_lines == [f"Removed profile “{renamed}” and its secrets."]
    assert CredentialStore().get(renamed) is None
    assert renamed not in {
        r["name"] for r in map(json.loads, run("profiles", "list", "--json").out_lines)
    }


def test_secret_from_a_hidden_prompt_on_a_terminal(
    name: str, seaweed: LocalServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return "typed-at-the-prompt" if len(prompts) == 1 else "typed-token"

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    monkeypatch.setattr("sys.stdin", Tty(""))
    assert read_secret("Secret: ") == "typed-at-the-prompt"
    prompts.clear()
    code = main(add_args(name, seaweed, "--session-token"))  # stdin is still the terminal
    assert code == 0
    assert prompts == [f"Secret access key for {seaweed.access_key_id}: ", "Session token: "]
    assert CredentialStore().get(name) == "typed-at-the-prompt"
    assert CredentialStore().get(name, "session_token") == "typed-token"


def test_secret_is_never_an_option(run: Runner, name: str, seaweed: LocalServerInfo) -> None:
    result = run(*add_args(name, seaweed, "--secret-access-key", "on-the-command-line"))
    assert result.code == 2
    assert "unrecognized arguments" in result.stderr
    assert name not in {p.name for p in ProfileStore().list()}
    help_text = run("profiles", "add", "--help")
    assert "secret" not in " ".join(
        line for line in help_text.stdout.splitlines() if line.strip().startswith("--")
    ).replace("session-token", "")


@pytest.mark.parametrize(
    ("args", "stdin", "wording"),
    [
        (
            ["profiles", "add", "x", "--endpoint-url", "http://127.0.0.1:1"],
            "s\n",
            "--access-key-id",
        ),
        (["profiles", "add", "x", "--access-key-id", "AKIA"], "\n", "No secret access key"),
        (
            ["profiles", "add", "x", "--access-key-id", "A", "--endpoint-url", "s3.example.org"],
            "s\n",
            "is not a URL",
        ),
        (["profiles", "add", "local", "--access-key-id", "AKIA"], "s\n", "reserved"),
        (["profiles", "remove", "nobody"], "", "no profile named"),
        (["profiles", "test"], "", "Name the profile"),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    run: Runner, args: list[str], stdin: str, wording: str
) -> None:
    result = run(*args, stdin=stdin)
    assert result.code == 2
    assert len(result.err_lines) == 1, result.stderr
    assert wording in result.stderr


def test_locked_keyring_saves_nothing(
    run: Runner, name: str, seaweed: LocalServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keyring.core, "_keyring_backend", LockedKeyring())
    run.secrets = ["typed-secret"]
    result = run(*add_args(name, seaweed), stdin="typed-secret\n")
    assert result.code == 2
    assert result.err_lines == [
        "s3uploader: The keyring is locked and was not unlocked: the profile was not saved "
        "(secrets are never written to a file)."
    ]
    assert ProfileStore().list() == []


def test_aws_profile_needs_no_secret(run: Runner, name: str) -> None:
    result = run("profiles", "add", name, "--aws-profile", "corp-sso", "--region", "eu-west-1")
    assert result.code == 0, result.stderr
    assert "credentials from AWS profile “corp-sso”" in result.stdout
    profile = ProfileStore().get(name)
    assert (profile.aws_profile, profile.kind, profile.access_key_id) == ("corp-sso", "aws", "")
    record = next(
        r for r in map(json.loads, run("profiles", "list", "--json").out_lines) if r["name"] == name
    )
    assert record["secret"] == "aws-profile"


def test_local_profile_can_be_tested(run: Runner) -> None:
    result = run("profiles", "test", "local")
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("Connected to 127.0.0.1:")
