"""``upload --print-link``: the links of the uploaded files, made by the same core function
as the window's *After upload: copy link* (``core.operations.upload_links``).

Human output: one link line per uploaded file after the item lines, in the order the
files were given. ``--json``: each uploaded row carries its ``link`` (the line in the
chosen format), and no extra lines are printed.
"""

from __future__ import annotations

import argparse
import threading
from typing import TYPE_CHECKING, Any

from s3uploader_gui.cli.output import Reporter, record

if TYPE_CHECKING:
    from s3uploader_gui.core.operations.links import Links
    from s3uploader_gui.core.operations.upload_links import UploadLinks
    from s3uploader_gui.core.s3.client import S3Context
    from s3uploader_gui.core.transfers.model import ItemResult

#: The words ``--print-link`` takes; without one it prints the public URL.
PRINT_LINK_CHOICES = ("url", "presigned", "markdown", "html")


class LinkPrinter:
    """Collects the uploaded items of a run and prints (or attaches) their links."""

    def __init__(
        self, args: argparse.Namespace, rep: Reporter, context: S3Context, bucket: str
    ) -> None:
        from s3uploader_gui.cli.context import chosen_profile, is_local_profile
        from s3uploader_gui.core.operations.upload_links import UploadLinks

        self.choice: UploadLinks = UploadLinks(args.print_link)
        self.rep = rep
        self.context = context
        self.bucket = bucket
        profile = chosen_profile(args)
        self.base_url = profile.public_base_url if profile is not None else ""
        self._local = is_local_profile(args.profile)
        self._uploaded: list[tuple[int, str]] = []
        self._lock = threading.Lock()
        self._noted = False

    def _links(self, keys: list[str]) -> Links:
        from s3uploader_gui.core.operations.upload_links import links_for_uploads

        return links_for_uploads(
            self.context,
            [(self.bucket, key) for key in keys],
            self.choice,
            base_url=self.base_url or None,
        )

    def fields(self, result: ItemResult) -> dict[str, Any]:
        """The extra ``--json`` fields of an uploaded item's row (its ``link``)."""
        with self._lock:
            self._uploaded.append((result.index, result.key))
        if not self.rep.json_mode:
            return {}
        links = self._links([result.key])
        self._note_once(links)
        return {"link": links.links[0].line if links.links else None}

    def finish(self) -> None:
        """After the item lines: one line per uploaded file, in the order given."""
        if self.rep.json_mode:
            return
        with self._lock:
            keys = [key for _index, key in sorted(self._uploaded)]
        if not keys:
            return
        links = self._links(keys)
        self._note_once(links)
        for link in links.links:
            self.rep.ok(record("link", bucket=link.bucket, key=link.key, url=link.url), link.line)

    def _note_once(self, links: Links) -> None:
        """Say on stderr once when presigned links end early, and name the keys with none."""
        from s3uploader_gui.cli.share import lifetime_note

        for key, err in links.failed:
            self.rep.note(f"no link for “{key}”: {err.message}")
        with self._lock:
            if self._noted or links.lifetime is None:
                return
            self._noted = True
        note = lifetime_note(links.lifetime)
        if self._local:
            note = (
                "the local storage uses new credentials on every start: these links stop "
                "working when this command exits."
            )
        if note is not None:
            self.rep.note(note)
