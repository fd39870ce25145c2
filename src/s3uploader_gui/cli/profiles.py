"""``s3uploader profiles``: list, add, edit, remove and test the profiles the app saves.

Secrets go to the keyring only, and are read from a hidden prompt or standard input,
never from the command line or the environment.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import TYPE_CHECKING, Any, TextIO

from s3uploader_gui.cli.context import config_error, open_context
from s3uploader_gui.cli.output import EXIT_USAGE, Record, Reporter

if TYPE_CHECKING:
    from s3uploader_gui.core.credentials import CredentialStore
    from s3uploader_gui.core.profiles import Profile


#: Profile fields the ``profiles add/edit`` options set: option dest → Profile field.
_PROFILE_OPTIONS = {
    "kind": "kind",
    "endpoint_url": "endpoint_url",
    "access_key_id": "access_key_id",
    "region": "region",
    "addressing_style": "addressing_style",
    "aws_profile": "aws_profile",
    "default_bucket": "default_bucket",
    "default_prefix": "default_prefix",
    "public_url": "public_base_url",
}


def read_secret(prompt: str, stdin: TextIO | None = None) -> str:
    """A secret from a hidden prompt, or one line of standard input when it is no terminal.

    Never from the command line or the environment: another user's ``ps`` sees those.
    """
    import getpass

    stream = stdin or sys.stdin
    if stream.isatty():
        return getpass.getpass(prompt)
    return stream.readline().rstrip("\r\n")


def _profile_record(profile: Profile, secret: str, last_used: bool) -> Record:
    data: Record = {k: v for k, v in profile.to_json().items() if k != "extra"}
    data["secret"] = secret
    data["last_used"] = last_used
    return data


def _secret_status(profile: Profile, credentials: CredentialStore) -> str:
    """ "keyring", "missing", "aws-profile", "built-in" or "unavailable" (never the secret)."""
    from s3uploader_gui.core.errors import KeyringUnavailable

    if profile.is_local:
        return "built-in"
    if profile.aws_profile:
        return "aws-profile"
    try:
        return "keyring" if credentials.get(profile.name) else "missing"
    except KeyringUnavailable:
        return "unavailable"


def cmd_profiles_list(args: argparse.Namespace, rep: Reporter) -> int:
    """List the profiles: the local storage first, then the saved ones."""
    from s3uploader_gui.core.credentials import CredentialStore
    from s3uploader_gui.core.profiles import LOCAL_PROFILE, ProfileStore

    store = ProfileStore()
    credentials = CredentialStore()
    last = store.last_used
    for profile in [LOCAL_PROFILE, *store.list()]:
        status = _secret_status(profile, credentials)
        where = profile.endpoint_url or ("AWS" if not profile.is_local else "127.0.0.1")
        sign_in = {
            "built-in": "built in",
            "aws-profile": f"AWS profile {profile.aws_profile}",
            "keyring": f"key {profile.access_key_id}, secret in the keyring",
            "missing": f"key {profile.access_key_id}, no secret stored",
            "unavailable": f"key {profile.access_key_id}, keyring unavailable",
        }[status]
        mark = "*" if profile.name == last else " "
        region = f", {profile.region}" if profile.region else ""
        rep.ok(
            _profile_record(profile, status, profile.name == last),
            f"{mark} {profile.name}: {profile.kind} ({where}{region}); {sign_in}",
        )
    return rep.exit_code


def _profile_changes(args: argparse.Namespace) -> dict[str, Any]:
    """Profile fields given on the command line (only those given)."""
    from s3uploader_gui.core.profiles import ProfileKind

    changes: dict[str, Any] = {}
    for dest, field_name in _PROFILE_OPTIONS.items():
        value = getattr(args, dest, None)
        if value is not None:
            changes[field_name] = ProfileKind(value) if dest == "kind" else value
    return changes


def _store_profile(
    args: argparse.Namespace, rep: Reporter, profile: Profile, *, old_name: str | None, ask: bool
) -> int:
    from s3uploader_gui.core.credentials import CredentialStore
    from s3uploader_gui.core.errors import KeyringUnavailable
    from s3uploader_gui.core.profiles import ProfileStore, save_profile

    credentials = CredentialStore()
    secret = token = None
    if ask and not profile.aws_profile:
        secret = read_secret(f"Secret access key for {profile.access_key_id}: ")
        if not secret:
            raise config_error("No secret access key was entered: nothing was saved.")
        # New keys without a token drop the old token: it belonged to the old keys.
        token = read_secret("Session token: ") if args.session_token else ""
    try:
        saved = save_profile(
            profile,
            store=ProfileStore(),
            credentials=credentials,
            secret=secret,
            session_token=token,
            old_name=old_name,
        )
    except KeyringUnavailable as err:
        raise config_error(
            f"{err.message.split(';')[0]}: the profile was not saved "
            "(secrets are never written to a file)."
        ) from None
    where = (
        f"credentials from AWS profile “{saved.aws_profile}”"
        if saved.aws_profile
        else f"secret in {credentials.describe_backend()}"
    )
    rep.ok(
        {
            "status": "saved",
            "profile": saved.name,
            "secret": "aws-profile" if saved.aws_profile else "keyring",
        },
        f"Saved profile “{saved.name}” ({where}).",
    )
    return rep.exit_code


def cmd_profiles_add(args: argparse.Namespace, rep: Reporter) -> int:
    """Add a profile; the secret comes from a hidden prompt or standard input."""
    from s3uploader_gui.core.profiles import Profile, ProfileKind, ProfileStore

    if args.name in {p.name for p in ProfileStore().list()}:
        raise config_error(f"A profile named “{args.name}” already exists: use “profiles edit”.")
    changes = _profile_changes(args)
    if "kind" not in changes:
        changes["kind"] = (
            ProfileKind.S3_COMPATIBLE if changes.get("endpoint_url") else ProfileKind.AWS
        )
    if not changes.get("aws_profile") and not changes.get("access_key_id"):
        raise config_error("Give --access-key-id ID, or --aws-profile NAME to use ~/.aws.")
    profile = Profile(name=args.name, **changes)
    return _store_profile(args, rep, profile, old_name=None, ask=True)


def cmd_profiles_edit(args: argparse.Namespace, rep: Reporter) -> int:
    """Change some fields of a profile (and, with --new-secret, its secret)."""
    from s3uploader_gui.core.profiles import ProfileStore

    current = ProfileStore().get(args.name)
    if current.is_local:
        raise config_error("The local storage profile is built in and cannot be changed.")
    changes = _profile_changes(args)
    if args.rename:
        changes["name"] = args.rename
    if changes.get("aws_profile"):
        changes["access_key_id"] = ""
    profile = dataclasses.replace(current, **changes)
    switched_to_keys = bool(current.aws_profile) and not profile.aws_profile
    ask = (
        args.new_secret
        or switched_to_keys
        or (
            "access_key_id" in changes
            and changes["access_key_id"] != current.access_key_id
            and not profile.aws_profile
        )
    )
    return _store_profile(args, rep, profile, old_name=current.name, ask=ask)


def cmd_profiles_remove(args: argparse.Namespace, rep: Reporter) -> int:
    """Delete a profile and its secrets."""
    from s3uploader_gui.core.credentials import CredentialStore
    from s3uploader_gui.core.profiles import ProfileStore, delete_profile

    delete_profile(args.name, store=ProfileStore(), credentials=CredentialStore())
    rep.ok(
        {"status": "removed", "profile": args.name},
        f"Removed profile “{args.name}” and its secrets.",
    )
    return rep.exit_code


def cmd_profiles_test(args: argparse.Namespace, rep: Reporter) -> int:
    """Test a profile: ListBuckets (or, when that is denied, --bucket)."""
    from s3uploader_gui.core.connection_check import CheckResult, check_connection
    from s3uploader_gui.core.errors import AuthError

    name = args.name or args.profile
    if not name:
        raise config_error("Name the profile to test: s3uploader profiles test NAME.")
    args.profile = name
    try:
        with open_context(args) as context:
            result = check_connection(context.settings, bucket=args.bucket)
    except AuthError as err:  # found while connecting (an expired SSO session): a result
        result = CheckResult(ok=False, message=err.message, error=err)
    data: Record = {
        "status": "ok" if result.ok else "failed",
        "profile": name,
        "host": result.host,
        "buckets": result.bucket_count,
        "bucket": result.bucket,
        "needs_bucket": result.needs_bucket,
        "error": None if result.ok else result.message,
    }
    if result.ok:
        rep.ok(data, result.message)
        return rep.exit_code
    message = result.message
    if result.needs_bucket:
        message = message.replace("enter the name of a bucket", "give --bucket NAME")
    rep.failed(data, name, message, command="test")
    return EXIT_USAGE
