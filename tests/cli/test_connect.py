"""How the ``s3uploader`` command connects: through ``open_connection``, with its checks.

The SSO pre-check and the endpoint URL check run in the command exactly as in the window
(the same function); these tests go through the real command.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from s3uploader_gui.cli import main
from s3uploader_gui.core import paths
from s3uploader_gui.core.aws_config import sso_login_message
from s3uploader_gui.core.profiles import Profile, ProfileStore
from tests.cli.conftest import Cli, RunMain, base_env
from tests.helpers.sso import write_sso_config


@pytest.fixture
def sso_cli(tmp_path: Path) -> Cli:
    """The command with an SSO profile ``corp`` (no token cache) and no keys anywhere.

    A saved app profile "Corp SSO" uses it (the subprocess shares this test's config dir).
    """
    config = write_sso_config(tmp_path)
    ProfileStore().save(Profile(name="Corp SSO", aws_profile="corp", region="eu-west-1"))
    env = base_env(AWS_CONFIG_FILE=str(config), HOME=str(tmp_path))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        env.pop(name, None)
    return Cli(env)


def test_an_expired_sso_profile_says_how_to_log_in(sso_cli: Cli) -> None:
    expected = f"s3uploader: {sso_login_message('corp')}"
    for args, env in [
        (["--profile", "Corp SSO", "ls"], {}),  # a saved profile using ~/.aws
        (["ls"], {"AWS_PROFILE": "corp"}),  # boto3's standard chain
        (["--profile", "Corp SSO", "presign", "s3://b/k"], {}),  # no request is sent
    ]:
        run = sso_cli(*args, **env)
        assert run.code == 2, (args, run.stderr)
        assert run.err_lines == [expected], args


def test_profiles_test_reports_an_expired_sso_session_as_its_result(sso_cli: Cli) -> None:
    run = sso_cli("profiles", "test", "Corp SSO", "--json")
    assert run.code == 2
    record = json.loads(run.stdout)
    assert (record["status"], record["error"]) == ("failed", sso_login_message("corp"))
    assert sso_login_message("corp") in run.stderr


@pytest.mark.parametrize("url", ["localhost:9000", "http://"])
def test_a_bad_endpoint_url_is_exit_2(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--endpoint-url", url, "ls"]) == 2
    err = capsys.readouterr().err
    assert err == f"s3uploader: “{url}” is not an endpoint URL: write http(s)://HOST[:PORT].\n"


def test_the_local_storage_takes_no_overrides(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--profile", "local", "--region", "eu-west-1", "ls"]) == 2
    assert "cannot be used with the local storage" in capsys.readouterr().err
    assert not (paths.local_storage_dir() / ".lock").exists()  # no server was started


def test_standard_chain_from_the_environment(run_main: RunMain, seaweed_bucket: str) -> None:
    run = run_main("ls", "--json")
    assert run.code == 0, run.stderr
    assert seaweed_bucket in {json.loads(line)["bucket"] for line in run.out_lines}
