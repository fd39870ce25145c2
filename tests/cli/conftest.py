"""Helpers to run ``s3uploader`` as a real subprocess (or in-process) against real servers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from s3uploader_gui.cli import main
from s3uploader_gui.core.local.info import LocalServerInfo

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    """The outcome of one CLI run."""

    code: int
    stdout: str
    stderr: str

    @property
    def out_lines(self) -> list[str]:
        return self.stdout.splitlines()

    @property
    def err_lines(self) -> list[str]:
        return self.stderr.splitlines()


#: ``run_main("ls", ...)``: the CLI's ``main`` in this process, output captured.
RunMain = Callable[..., Run]


def check_clean(run: Run, secrets: Iterable[str]) -> Run:
    """Every run: no traceback, and no secret anywhere in the output."""
    assert "Traceback" not in run.stderr, run.stderr
    for secret in secrets:
        assert secret not in run.stdout
        assert secret not in run.stderr
    return run


@dataclass
class Cli:
    """Runs the CLI with a given environment; every run is checked by ``check_clean``."""

    env: dict[str, str]
    secrets: list[str] = field(default_factory=list)

    def __call__(self, *args: str, cwd: Path | None = None, **env: str) -> Run:
        """Run ``python -m s3uploader_gui.cli ARGS`` in a subprocess."""
        proc = subprocess.run(
            [sys.executable, "-m", "s3uploader_gui.cli", *args],
            env={**self.env, **env},
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return check_clean(Run(proc.returncode, proc.stdout, proc.stderr), self.secrets)


def base_env(**overrides: str) -> dict[str, str]:
    """The test process's (isolated) environment, plus the repo on PYTHONPATH.

    ``tests.helpers.memkeyring`` must be importable: conftest selects it as the keyring.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.pop("AWS_ENDPOINT_URL", None)
    env.pop("AWS_ENDPOINT_URL_S3", None)
    env.update(overrides)
    return env


def seaweed_env(info: LocalServerInfo) -> dict[str, str]:
    """boto3's standard chain pointed at SeaweedFS: only environment variables."""
    return base_env(
        AWS_ACCESS_KEY_ID=info.access_key_id,
        AWS_SECRET_ACCESS_KEY=info.secret_access_key,
        AWS_ENDPOINT_URL_S3=info.endpoint_url,
        AWS_DEFAULT_REGION="us-east-1",
    )


@pytest.fixture
def cli(seaweed: LocalServerInfo) -> Cli:
    """The CLI as a subprocess, configured for SeaweedFS through AWS_* variables only."""
    return Cli(seaweed_env(seaweed), secrets=[seaweed.secret_access_key])


@pytest.fixture
def run_main(
    seaweed: LocalServerInfo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> RunMain:
    """``main([...])`` in this process, with the same AWS_* environment as ``cli``."""
    for name, value in seaweed_env(seaweed).items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)

    def run(*args: str) -> Run:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return check_clean(Run(code, out, err), [seaweed.secret_access_key])

    return run
