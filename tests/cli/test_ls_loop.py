"""``s3uploader ls --recursive`` against a server whose listing never ends: one sentence
and a failing exit code, not an endless stream of the same keys."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Cli, base_env
from tests.helpers.listserver import listing_server


@pytest.mark.parametrize("mode", ["repeat-token", "no-token", "same-page"])
def test_ls_recursive_stops_on_a_listing_that_does_not_advance(mode: str) -> None:
    with listing_server(mode) as server:
        cli = Cli(
            base_env(
                AWS_ACCESS_KEY_ID="testing",
                AWS_SECRET_ACCESS_KEY="testing",
                AWS_ENDPOINT_URL_S3=server.endpoint_url,
                AWS_DEFAULT_REGION="us-east-1",
            )
        )
        run = cli("ls", "s3://bkt/pre/", "--recursive")
        requests = server.list_requests
    assert run.code != 0, run.stdout
    assert "s3://bkt/pre/" in run.stderr
    assert len(run.out_lines) == len(set(run.out_lines)) <= 4
    assert requests <= 4
