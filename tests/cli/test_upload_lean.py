"""``s3uploader upload`` of many small files pays for nothing it does not use: on the lean
request path it imports no boto3 and builds no botocore client (with a saved profile's
keys it does not even import botocore), and the run says which request path it took.

Each run is the command line's ``main`` in a fresh interpreter against SeaweedFS, which
then reports what it loaded; the objects are checked with boto3 in the test process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from s3uploader_gui.core.local.info import LocalServerInfo
from s3uploader_gui.core.s3.client import S3Context
from tests.cli.conftest import base_env, seaweed_env

#: What a plain-HTTP upload has no use for: TLS, ``http.client`` (the lean path reads its
#: answers itself), ``email`` (``http.client``'s header parser, the date of a HEAD) and the
#: XML parser (error bodies), the other commands' modules, the downloads' batch, the
#: listing's modules (the bucket check is a HEAD; a batch that overwrites lists nothing)
#: and the keyring's store (only saved profiles keep secrets there).
_LATER = (
    "ssl",
    "http.client",
    "email",
    "xml.etree",
    "s3uploader_gui.core.credentials",
    "s3uploader_gui.cli.profiles",
    "s3uploader_gui.cli.share",
    "s3uploader_gui.cli.download",
    "s3uploader_gui.core.transfers.download_batch",
    "s3uploader_gui.core.transfers.existing_spans",
    "s3uploader_gui.core.transfers.partials",
    "s3uploader_gui.core.s3.listing_types",
    "s3uploader_gui.core.s3.listing_range",
    "s3uploader_gui.core.s3.listing_parse",
)

#: Run by the child: ``main`` on the arguments, then what it loaded, as JSON on the last
#: line. ``COUNT_CLIENTS`` counts botocore clients built (botocore is imported for it).
_CHILD = textwrap.dedent(
    """
    import json, os, sys
    LATER = __LATER__
    built = []
    if os.environ.get("COUNT_CLIENTS"):
        import botocore.session
        real = botocore.session.Session.create_client
        def create_client(self, *args, **kwargs):
            built.append(args[0] if args else kwargs.get("service_name"))
            return real(self, *args, **kwargs)
        botocore.session.Session.create_client = create_client
    import s3uploader_gui.core.s3.fastput_setup as setup
    decided = []
    real_decide = setup.decide
    def decide(*args, **kwargs):
        decided.append(1)
        return real_decide(*args, **kwargs)
    setup.decide = decide
    secret = os.environ.pop("PROFILE_SECRET", "")
    if secret:
        from s3uploader_gui.core.credentials import CredentialStore
        CredentialStore().set(os.environ["PROFILE_NAME"], secret)
    from s3uploader_gui.cli import main
    code = main(sys.argv[1:])
    def keyring_extras():
        from s3uploader_gui.core.deferred_imports import KEYRING_UNUSED, is_loaded
        return sorted(m for m in KEYRING_UNUSED if is_loaded(m))
    print(json.dumps({
        "code": code,
        "boto3": "boto3" in sys.modules,
        "botocore": "botocore" in sys.modules,
        "botocore_session": "botocore.session" in sys.modules,
        "s3transfer": "s3transfer" in sys.modules,
        "clients": built,
        "decided": len(decided),
        "urllib_request": "urllib.request" in sys.modules,
        "listing": "s3uploader_gui.core.s3.listing" in sys.modules,
        "later": sorted(m for m in LATER if m in sys.modules),
        "keyring": "keyring" in sys.modules,
        "keyring_extras": keyring_extras(),
    }))
    """
).replace("__LATER__", repr(_LATER))


def _child(args: list[str], env: dict[str, str]) -> tuple[dict[str, object], str, str]:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    return report, proc.stdout, proc.stderr


def _twenty(folder: Path) -> Path:
    folder.mkdir()
    for i in range(20):
        (folder / f"f{i:02d}.txt").write_bytes(f"small file {i}\n".encode() * 50)
    return folder


def _check_stored(context: S3Context, bucket: str, prefix: str, folder: Path) -> None:
    listed = context.client.list_objects_v2(Bucket=bucket, Prefix=prefix)
    keys = sorted(o["Key"] for o in listed.get("Contents", []))
    assert keys == sorted(f"{prefix}{folder.name}/{p.name}" for p in folder.iterdir())
    got = context.client.get_object(Bucket=bucket, Key=f"{prefix}{folder.name}/f07.txt")
    assert got["Body"].read() == (folder / "f07.txt").read_bytes()


@pytest.mark.parametrize("policy", ["overwrite", "skip", "skip-identical"])
def test_saved_profile_upload_imports_neither_boto3_nor_botocore(
    policy: str,
    seaweed: LocalServerInfo,
    seaweed_context: S3Context,
    seaweed_bucket: str,
    tmp_path: Path,
) -> None:
    """Also when whether keys exist is asked (a listing of the folder, on the lean path)."""
    from s3uploader_gui.core.profiles import Profile, ProfileKind, ProfileStore

    name = f"lean {uuid.uuid4().hex[:8]}"
    ProfileStore().save(
        Profile(
            name=name,
            kind=ProfileKind.S3_COMPATIBLE,
            access_key_id=seaweed.access_key_id,
            endpoint_url=seaweed.endpoint_url,
            region="us-east-1",
            addressing_style="path",
        )
    )
    folder = _twenty(tmp_path / "twenty")
    env = base_env(
        PROFILE_NAME=name,
        PROFILE_SECRET=seaweed.secret_access_key,
        S3UPLOADER_REPORT_REQUEST_PATH="1",
    )
    args = ["--profile", name, "upload", str(folder), "--to", f"s3://{seaweed_bucket}/p/"]
    args += ["--on-conflict", policy]
    report, _, stderr = _child(args, env)
    assert report["code"] == 0, stderr
    assert report["boto3"] is False and report["botocore"] is False, report
    assert report["s3transfer"] is False
    assert report["decided"] == 1, report
    assert "request path: lean" in stderr
    # keyring read the secret without loading what it imports for downloads, commands
    # and plugin lists (urllib.request brings http.client, email and ssl with it).
    assert report["keyring"] is True and report["keyring_extras"] == [], report
    assert not {"ssl", "http.client", "email"} & set(report["later"]), report
    _check_stored(seaweed_context, seaweed_bucket, "p/", folder)


def _no_shared_files(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "no-aws" / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws" / "credentials"),
        S3UPLOADER_REPORT_REQUEST_PATH="1",
    )
    return env


def test_standard_chain_upload_with_keys_in_the_environment_imports_no_botocore(
    seaweed: LocalServerInfo, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    """Keys and endpoint from ``AWS_*`` variables and no ``~/.aws``: botocore's chain would
    take the environment's keys first, so the run needs nothing of botocore."""
    folder = _twenty(tmp_path / "twenty")
    env = _no_shared_files(seaweed_env(seaweed), tmp_path)
    args = ["upload", str(folder), "--to", f"s3://{seaweed_bucket}/c/"]
    report, _, stderr = _child(args, env)
    assert report["code"] == 0, stderr
    assert report["botocore"] is False and report["boto3"] is False, report
    assert report["decided"] == 1, report  # one engine, one decision
    assert report["later"] == [], report
    assert "request path: lean (keys from the environment" in stderr
    _check_stored(seaweed_context, seaweed_bucket, "c/", folder)


def test_endpoint_flag_upload_with_keys_in_the_environment_imports_no_botocore(
    seaweed: LocalServerInfo, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    folder = _twenty(tmp_path / "twenty")
    env = _no_shared_files(seaweed_env(seaweed), tmp_path)
    del env["AWS_ENDPOINT_URL_S3"]
    for name in [n for n in env if n.lower().endswith("_proxy")]:
        del env[name]
    args = ["--endpoint-url", seaweed.endpoint_url, "upload", str(folder)]
    report, _, stderr = _child([*args, "--to", f"s3://{seaweed_bucket}/e/"], env)
    assert report["code"] == 0, stderr
    assert report["botocore"] is False, report
    assert report["urllib_request"] is False, report  # no proxy variable: nothing to ask
    assert report["listing"] is False, report  # the bucket check is one HEAD
    assert "request path: lean (keys from the environment" in stderr
    _check_stored(seaweed_context, seaweed_bucket, "e/", folder)


def test_keys_in_the_environment_and_a_config_file_need_no_botocore_session(
    seaweed: LocalServerInfo, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    """``~/.aws/config`` is read with botocore's small config loader, not its session."""
    folder = _twenty(tmp_path / "twenty")
    env = _no_shared_files(seaweed_env(seaweed), tmp_path)
    config = Path(env["AWS_CONFIG_FILE"])
    config.parent.mkdir()
    config.write_text("[default]\nregion = us-east-1\n")
    args = ["upload", str(folder), "--to", f"s3://{seaweed_bucket}/f/"]
    report, _, stderr = _child(args, env)
    assert report["code"] == 0, stderr
    assert report["botocore_session"] is False, report
    assert "request path: lean (keys from the environment" in stderr
    _check_stored(seaweed_context, seaweed_bucket, "f/", folder)


def test_keys_in_the_credentials_file_build_no_client_and_import_no_boto3(
    seaweed: LocalServerInfo, seaweed_context: S3Context, seaweed_bucket: str, tmp_path: Path
) -> None:
    """Keys only botocore's chain finds: its session resolves them, and that is all of
    botocore the run uses."""
    folder = _twenty(tmp_path / "twenty")
    env = _no_shared_files(seaweed_env(seaweed), tmp_path)
    credentials = Path(env["AWS_SHARED_CREDENTIALS_FILE"])
    credentials.parent.mkdir()
    credentials.write_text(
        f"[default]\naws_access_key_id = {env.pop('AWS_ACCESS_KEY_ID')}\n"
        f"aws_secret_access_key = {env.pop('AWS_SECRET_ACCESS_KEY')}\n"
    )
    env.update(COUNT_CLIENTS="1")
    args = ["upload", str(folder), "--to", f"s3://{seaweed_bucket}/k/"]
    report, _, stderr = _child(args, env)
    assert report["code"] == 0, stderr
    assert report["boto3"] is False and report["clients"] == [], report
    assert report["decided"] == 1, report
    assert "request path: lean (botocore's credential chain" in stderr
    _check_stored(seaweed_context, seaweed_bucket, "k/", folder)


def test_the_request_path_is_reported_when_botocore_sends(
    seaweed: LocalServerInfo, seaweed_bucket: str, tmp_path: Path
) -> None:
    folder = _twenty(tmp_path / "twenty")
    env = seaweed_env(seaweed)
    env.update(S3UPLOADER_FAST_PATH="0", S3UPLOADER_REPORT_REQUEST_PATH="1")
    report, _, stderr = _child(["upload", str(folder), "--to", f"s3://{seaweed_bucket}/b/"], env)
    assert report["code"] == 0, stderr
    assert "request path: botocore (turned off by S3UPLOADER_FAST_PATH=0)" in stderr


def test_a_token_with_a_carriage_return_is_refused_before_anything_is_sent(
    seaweed: LocalServerInfo, seaweed_bucket: str, tmp_path: Path
) -> None:
    """``AWS_SESSION_TOKEN=$(cat token.txt)`` of a file saved with CR LF: the lean path's
    bucket check refuses the header as botocore's HTTP client does (one sentence, exit 2),
    and the token shows nowhere."""
    from tests.helpers.temp_credentials import new_token, read_like_a_shell, token_file

    token = new_token()
    env = seaweed_env(seaweed)
    env["AWS_SESSION_TOKEN"] = read_like_a_shell(token_file(tmp_path, token))
    folder = _twenty(tmp_path / "twenty")
    report, stdout, stderr = _child(
        ["upload", str(folder), "--to", f"s3://{seaweed_bucket}/t/"], env
    )
    assert report["code"] == 2, stderr
    assert "line break" in stderr
    for text in (stdout, stderr):
        assert token not in text and repr(token.encode())[2:-1] not in text


def test_a_one_file_upload_sends_one_bucket_check_then_the_object(tmp_path: Path) -> None:
    """Before the first PUT the run asks the server one thing: whether the bucket exists."""
    from tests.helpers.sigv4_server import sigv4_server

    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"one file\n")
    with sigv4_server(secrets={"AKIDONE": ("one/secret", None)}) as server:
        env = _no_shared_files(
            base_env(
                AWS_ACCESS_KEY_ID="AKIDONE",
                AWS_SECRET_ACCESS_KEY="one/secret",
                AWS_DEFAULT_REGION="us-east-1",
            ),
            tmp_path,
        )
        args = ["--endpoint-url", server.url, "upload", str(folder), "--to", "s3://bkt/p/"]
        report, _, stderr = _child(args, env)
    assert report["code"] == 0, stderr
    assert report["botocore"] is False, report
    assert report["later"] == [], report  # plain HTTP, keys from the environment
    assert [(s.method, s.path, s.status) for s in server.seen] == [
        ("HEAD", "/bkt", 200),
        ("PUT", "/bkt/p/one/a.txt", 200),
    ]


def test_the_local_storage_needs_botocore_only_to_create_its_bucket(tmp_path: Path) -> None:
    """``--profile local``: the first run creates the default bucket (botocore's client);
    later runs find it with the lean sender, which the bucket check of the upload then
    trusts, and build no client at all."""
    from s3uploader_gui.core.local.info import DEFAULT_BUCKET

    folder = _twenty(tmp_path / "twenty")
    env = _no_shared_files(base_env(COUNT_CLIENTS="1"), tmp_path)
    args = ["--profile", "local", "upload", str(folder), "--to", f"s3://{DEFAULT_BUCKET}/l/"]
    first, _, stderr = _child(args, env)
    assert first["code"] == 0, stderr
    assert first["clients"] == ["s3"], first
    again, _, stderr = _child(args, env)
    assert again["code"] == 0, stderr
    assert again["clients"] == [] and again["boto3"] is False, again
    assert again["decided"] == 1, again
