"""Publish gallery: an index.html of the selected images (or a folder's) uploaded next
to them, whose link is copied (``core.operations.gallery.publish``)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.naming import is_image_name
from s3uploader_gui.core.operations.gallery import PublishedGallery, publish
from s3uploader_gui.ui.browser.node import Kind
from s3uploader_gui.ui.browser.operations import OperationRunner
from s3uploader_gui.ui.browser.ports import Copy, Place, tr
from s3uploader_gui.ui.browser.prompts import Prompts
from s3uploader_gui.ui.browser.selection import Selection


class Gallery:
    """Asks for the title and the kind of links, publishes, and copies the page's link.
    ``base_url`` gives the profile's public address (CDN, website) or ""."""

    def __init__(
        self,
        selection: Selection,
        place: Place,
        runner: OperationRunner,
        prompts: Prompts,
        copy: Copy,
        base_url: Callable[[], str],
    ) -> None:
        self._selection = selection
        self._place = place
        self._runner = runner
        self._prompts = prompts
        self._copy = copy
        self._base_url = base_url

    def publish_gallery_dialog(self) -> None:
        """Publish the selected images, or the images of the selected or shown folder."""
        bucket, prefix = self._place.location
        context = self._place.context
        if not bucket or context is None:
            return
        nodes = self._selection.nodes()
        images = [n.key for n in nodes if n.kind == Kind.OBJECT and is_image_name(n.key)]
        folders = [n for n in nodes if n.kind == Kind.FOLDER and not n.search]
        folder: str | None = None
        if images:
            count_text = QCoreApplication.translate(
                "BrowserPane", "%n selected image(s).", "", len(images)
            )
        else:
            folder = folders[0].key if len(folders) == 1 else prefix
            count_text = tr("Every image in s3://%1/%2").replace("%1", bucket).replace("%2", folder)
        title = (folder or prefix).rstrip("/").rsplit("/", 1)[-1] or bucket
        answer = self._prompts.ask_gallery(count_text, title)
        if answer is None:
            return
        title, public, seconds = answer
        token = CancelToken()
        self._runner.run(
            "gallery",
            tr("Publishing gallery…"),
            functools.partial(
                publish,
                context,
                bucket,
                images,
                folder=folder,
                public=public,
                seconds=seconds,
                base_url=self._base_url() or None,
                title=title,
                cancel=token,
            ),
            self._on_published,
            cancel=token,
            refresh=self._place.current_node,
        )

    def _on_published(self, result: PublishedGallery) -> None:
        self._copy(
            result.url,
            tr("Gallery of %1 images published as s3://%2/%3; its link is copied.")
            .replace("%1", str(result.count))
            .replace("%2", result.bucket)
            .replace("%3", result.key),
        )
