"""``s3uploader presign``: a temporary SigV4 download link for one object."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING

from s3uploader_gui.cli.context import config_error, is_local_profile, open_context
from s3uploader_gui.cli.output import Reporter, record

if TYPE_CHECKING:
    from s3uploader_gui.core.sharing import LinkLifetime


def _when(moment: dt.datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z")


def lifetime_note(life: LinkLifetime | None) -> str | None:
    """What stderr says when the credentials end the link before the expiry asked for
    (the share dialog's sentence); None when the link lasts as asked."""
    if life is None:
        return None
    if life.cut_short and life.until is not None:
        return (
            f"This link stops working at {_when(life.until)}, "
            "when the temporary credentials expire."
        )
    if life.unknown_end:
        return (
            "These credentials are temporary (session token): this link stops working when "
            f"they expire, and may stop working before {_when(life.requested_until)}."
        )
    return None


def cmd_presign(args: argparse.Namespace, rep: Reporter) -> int:
    """Print a SigV4 presigned GET link, and on stderr when it really stops working."""
    from s3uploader_gui.core.naming import parse_s3_url
    from s3uploader_gui.core.operations.links import LinkKind, make_links

    url = parse_s3_url(args.url)
    if not url.key:
        raise config_error(f"presign needs an object: write s3://BUCKET/KEY, not “{args.url}”.")
    with open_context(args) as context:
        links = make_links(
            context, [(url.bucket, url.key)], kind=LinkKind.PRESIGNED, seconds=args.expires
        )
        if links.failed:
            raise links.failed[0][1]
        link = links.links[0].url
        if is_local_profile(args.profile):
            rep.note(
                "the local storage uses new credentials on every start: this link "
                "stops working when this command exits."
            )
    life = links.lifetime
    note = lifetime_note(life)
    if note is not None:
        rep.note(note)
    # The real end (None: temporary credentials whose end nobody told), in UTC.
    until = life.until if life is not None else None
    rep.ok(
        record(
            "presigned",
            bucket=url.bucket,
            key=url.key,
            url=link,
            expires=args.expires,
            expires_at=None if until is None else until.astimezone(dt.UTC).isoformat(),
            temporary_credentials=bool(life and life.temporary),
        ),
        link,
    )
    return rep.exit_code
