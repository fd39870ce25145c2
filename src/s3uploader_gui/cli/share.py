"""``s3uploader presign``: a temporary SigV4 download link for one object."""

from __future__ import annotations

import argparse

from s3uploader_gui.cli.context import config_error, is_local_profile, open_context
from s3uploader_gui.cli.output import Reporter, record


def cmd_presign(args: argparse.Namespace, rep: Reporter) -> int:
    """Print a SigV4 presigned GET link."""
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
    rep.ok(
        record("presigned", bucket=url.bucket, key=url.key, url=link, expires=args.expires),
        link,
    )
    return rep.exit_code
