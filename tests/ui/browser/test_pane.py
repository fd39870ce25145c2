"""The bucket browser pane on a real SeaweedFS (and moto as the "AWS-like" server):
navigation, filter, search, sort, views, thumbnails, every action and sharing."""

from __future__ import annotations

import datetime as dt
import re
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QAction, QGuiApplication, QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from s3uploader_gui.core.imaging.remote_thumbnails import cache_path
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.settings import ConnectionSettings
from s3uploader_gui.core.sharing import LinkFormat
from s3uploader_gui.ui.browser.node import Column, Node, Role
from s3uploader_gui.ui.browser.pane import BrowserPane
from s3uploader_gui.ui.workers import WorkerPool
from tests.conftest import unique_bucket
from tests.helpers.files import jpeg_bytes
from tests.helpers.qt import drag_events

ODD_KEYS = [
    "odd/space name.txt",
    "odd/ünï cødé €.txt",
    "odd/plus+sign.txt",
    "odd/hash#tag.txt",
    "odd/question?.txt",
    "odd/percent%20.txt",
    "/leading-slash.txt",
]


@pytest.fixture
def pool(qtbot) -> Iterator[WorkerPool]:
    p = WorkerPool()
    yield p
    p.shutdown()


def make_pane(qtbot, pool: WorkerPool, context: S3Context, **kw: Any) -> BrowserPane:
    pane = BrowserPane(pool, QAction("Refresh"))
    qtbot.addWidget(pane)
    pane.resize(760, 520)
    pane.show()
    with qtbot.waitSignal(pane.bucketsLoaded, timeout=10000):
        pane.set_context(context, **kw)
    return pane


@pytest.fixture
def pane(qtbot, pool, seaweed_context, seaweed_bucket) -> Iterator[BrowserPane]:
    p = make_pane(qtbot, pool, seaweed_context)
    yield p
    p.shutdown()
    qtbot.waitUntil(lambda: pool.active == 0, timeout=10000)


def put(context: S3Context, bucket: str, items: dict[str, bytes], **extra: Any) -> None:
    def one(kv: tuple[str, bytes]) -> None:
        context.client.put_object(Bucket=bucket, Key=kv[0], Body=kv[1], **extra)

    with ThreadPoolExecutor(8) as ex:
        list(ex.map(one, items.items()))


def open_folder(qtbot, pane: BrowserPane, bucket: str, prefix: str = "", search: str = "") -> Node:
    """Navigate and wait until the folder's first page is listed."""
    pane.navigate(bucket, prefix, search)
    node = pane.current_node
    qtbot.waitUntil(lambda: node.fetched and not node.fetching, timeout=10000)
    return node


def shown_names(pane: BrowserPane) -> list[str]:
    model = pane.active_view.model()
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def select(pane: BrowserPane, *names: str) -> list[Node]:
    nodes = [c for c in pane.current_node.children if c.name in names]
    assert len(nodes) == len(names), [c.name for c in pane.current_node.children]
    pane.select_nodes(nodes)
    return nodes


def run_op(qtbot, pane: BrowserPane, action, timeout: int = 30000) -> Any:
    with qtbot.waitSignal(pane.operationFinished, timeout=timeout) as blocker:
        action()
    _name, result = blocker.args
    assert not isinstance(result, Exception), result
    return result


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read()


def keys_in(context: S3Context, bucket: str) -> list[str]:
    pages = context.client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(o["Key"] for p in pages for o in p.get("Contents", []))


def copied(qtbot, pane: BrowserPane, action) -> str:
    with qtbot.waitSignal(pane.linkCopied, timeout=10000) as blocker:
        action()
    text = QGuiApplication.clipboard().text()
    assert text == blocker.args[0]
    QGuiApplication.clipboard().clear()
    return text


# -- navigation ------------------------------------------------------------------------
def test_bucket_list_regions_breadcrumb_history_keyboard(
    qtbot, pane, seaweed_context, seaweed_bucket
):
    put(seaweed_context, seaweed_bucket, {"a/b/c.txt": b"c", "a/x.txt": b"x", "top.txt": b"t"})
    node = pane.model.find_node(seaweed_bucket, "")
    qtbot.waitUntil(lambda: node.region == "us-east-1", timeout=10000)
    assert not pane.view.isColumnHidden(Column.REGION)
    assert seaweed_bucket in shown_names(pane)

    open_folder(qtbot, pane, seaweed_bucket)
    assert shown_names(pane) == ["a", "top.txt"]
    assert pane.view.isColumnHidden(Column.REGION)
    # Keyboard: select the folder, Enter opens it; Backspace goes up.
    pane.view.setFocus()
    select(pane, "a")
    QTest.keyClick(pane.view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: pane.location == (seaweed_bucket, "a/") and pane.current_node.fetched)
    assert shown_names(pane) == ["b", "x.txt"]
    crumbs = [
        w.text()
        for w in pane.crumbs.findChildren(type(pane._tool(pane.act_up)))
        if w.parent() is pane.crumbs
    ]
    assert crumbs == ["Buckets", seaweed_bucket, "a"]
    open_folder(qtbot, pane, seaweed_bucket, "a/b/")
    assert shown_names(pane) == ["c.txt"]
    pane.go_back()
    assert pane.location == (seaweed_bucket, "a/")
    pane.go_forward()
    assert pane.location == (seaweed_bucket, "a/b/")
    QTest.keyClick(pane.view, Qt.Key.Key_Backspace)
    assert pane.location == (seaweed_bucket, "a/")
    pane.go_up()
    pane.go_up()
    assert pane.location == ("", "")
    assert pane.act_back.isEnabled() and not pane.act_forward.isEnabled()


def test_filter_search_and_sort(qtbot, pane, seaweed_context, seaweed_bucket):
    put(
        seaweed_context,
        seaweed_bucket,
        {"p/IMG_1.jpg": b"1" * 300, "p/IMG_2.jpg": b"2" * 10, "p/doc.txt": b"3" * 50},
    )
    put(seaweed_context, seaweed_bucket, {"p/zz/inner.txt": b"z"})
    open_folder(qtbot, pane, seaweed_bucket, "p/")
    assert shown_names(pane) == ["zz", "IMG_1.jpg", "IMG_2.jpg", "doc.txt"]
    # Filter over the loaded rows (the proxy), case-insensitive.
    pane.filter_edit.setText("img")
    qtbot.waitUntil(lambda: shown_names(pane) == ["IMG_1.jpg", "IMG_2.jpg"])
    pane.filter_edit.clear()
    qtbot.waitUntil(lambda: len(shown_names(pane)) == 4)
    # Sort by size, descending; folders stay first.
    pane.sort(Column.SIZE, Qt.SortOrder.DescendingOrder)
    assert shown_names(pane) == ["zz", "IMG_1.jpg", "doc.txt", "IMG_2.jpg"]
    pane.sort(Column.SIZE, Qt.SortOrder.AscendingOrder)
    assert shown_names(pane) == ["zz", "IMG_2.jpg", "doc.txt", "IMG_1.jpg"]
    pane.sort(Column.NAME, Qt.SortOrder.AscendingOrder)
    # Server-side prefix search: Enter in the filter field.
    pane.filter_edit.setText("IMG_")
    pane.filter_edit.returnPressed.emit()
    search = pane.current_node
    assert search.search
    qtbot.waitUntil(lambda: search.fetched, timeout=10000)
    assert shown_names(pane) == ["IMG_1.jpg", "IMG_2.jpg"]
    assert pane.location == (seaweed_bucket, "p/")
    pane.go_back()
    assert not pane.current_node.search
    assert not any(c.search for c in pane.current_node.children)  # the search row is gone


def test_grid_view_loads_thumbnails_for_visible_items_only(
    qtbot, pane, seaweed_context, seaweed_bucket
):
    images = {f"pics/img{i:03}.jpg": jpeg_bytes((300, 200)) for i in range(80)}
    put(seaweed_context, seaweed_bucket, images, ContentType="image/jpeg")
    put(seaweed_context, seaweed_bucket, {"pics/readme.txt": b"hi"})
    open_folder(qtbot, pane, seaweed_bucket, "pics/")
    pane.show_grid()
    assert pane.view.model() is None and pane.grid.model() is pane.proxy
    pane.grid.grab()  # paints the visible cells, which ask for their thumbnails
    first = pane.current_node.children[0]
    qtbot.waitUntil(lambda: isinstance(first_thumb(pane, first), QPixmap), timeout=15000)
    qtbot.waitUntil(lambda: not pane.thumbnails.busy, timeout=15000)
    assert 0 < pane.thumbnails.started < 80  # only what is on screen, not the whole folder
    assert pane.thumbnails.max_threads == 3
    req = pane.thumbnails.request_for(first.bucket, first.key, first.etag, first.size)
    assert cache_path(req).is_file()  # disk cache keyed by bucket, key and ETag
    readme = next(c for c in pane.current_node.children if c.name == "readme.txt")
    assert first_thumb(pane, readme) is None
    # Scrolling to the end asks for the last rows, never waiting for them.
    pane.grid.scrollToBottom()
    pane.grid.grab()
    last = pane.current_node.children[-2]
    qtbot.waitUntil(lambda: isinstance(first_thumb(pane, last), QPixmap), timeout=15000)
    pane.show_list()
    assert pane.grid.model() is None and pane.view.model() is pane.proxy


def first_thumb(pane: BrowserPane, node: Node) -> object:
    return pane.proxy.index_for(node).data(Role.THUMBNAIL)


# -- actions ---------------------------------------------------------------------------
def test_drop_on_browser_emits_upload_target(
    qtbot, pane, seaweed_context, seaweed_bucket, tmp_path
):
    put(seaweed_context, seaweed_bucket, {"dest/sub/": b""})
    open_folder(qtbot, pane, seaweed_bucket, "dest/")
    f = tmp_path / "new.txt"
    f.write_text("x")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f))])
    viewport = pane.view.viewport()
    empty = QPointF(viewport.rect().center())
    for pos, expected in (
        (empty, "dest/"),
        (
            QPointF(pane.view.visualRect(pane.view.model().index(0, 0)).center()),
            "dest/sub/",
        ),
    ):
        enter, drop = drag_events(pos, mime)
        QApplication.sendEvent(viewport, enter)
        assert enter.isAccepted()
        with qtbot.waitSignal(pane.filesDropped, timeout=5000) as blocker:
            QApplication.sendEvent(viewport, drop)
        assert blocker.args == [seaweed_bucket, expected, [f]]


def test_drag_out_delivers_the_right_files(qtbot, pane, seaweed_context, seaweed_bucket):
    put(seaweed_context, seaweed_bucket, {"g/a.txt": b"alpha", "g/b.jpg": jpeg_bytes()})
    open_folder(qtbot, pane, seaweed_bucket, "g/")
    select(pane, "a.txt", "b.jpg")
    with qtbot.waitSignal(pane.dragReady, timeout=20000) as blocker:
        assert pane.prepare_drag() == []  # not downloaded yet: starts the download
    paths = blocker.args[0]
    assert sorted(p.name for p in paths) == ["a.txt", "b.jpg"]
    contents = {p.name: p.read_bytes() for p in paths}
    assert contents == {"a.txt": b"alpha", "b.jpg": jpeg_bytes()}
    # Second drag: the files are ready at once; the mime data carries file URLs.
    again = pane.prepare_drag()
    assert again == paths
    mime = pane.drag_mime(again)
    assert [Path(u.toLocalFile()) for u in mime.urls()] == paths
    pane.shutdown()
    assert not any(p.exists() for p in paths)  # temp files removed at quit


def test_delete_states_count_and_deletes_recursively(
    qtbot, pane, seaweed_context, seaweed_bucket, monkeypatch
):
    put(
        seaweed_context,
        seaweed_bucket,
        {"x/a.txt": b"a", "x/b.txt": b"b", "x/f/1": b"1", "x/f/2/3": b"3", "x/keep.txt": b"k"},
    )
    open_folder(qtbot, pane, seaweed_bucket, "x/")
    select(pane, "a.txt", "b.txt", "f")
    asked: list[str] = []
    monkeypatch.setattr(pane.prompts, "confirm", lambda title, text: asked.append(text) or False)
    pane.delete_selected()
    assert asked and re.search(r"Delete 2 object.* and 1 folder", asked[0])
    assert seaweed_bucket in asked[0]
    assert len(keys_in(seaweed_context, seaweed_bucket)) == 5  # refused: nothing deleted
    monkeypatch.setattr(pane.prompts, "confirm", lambda title, text: True)
    outcome = run_op(qtbot, pane, pane.delete_selected)
    assert (outcome.object_count, outcome.failed) == (4, ())
    assert keys_in(seaweed_context, seaweed_bucket) == ["x/keep.txt"]
    # (SeaweedFS keeps listing an emptied folder as a prefix; AWS and moto do not.)
    qtbot.waitUntil(lambda: not {"a.txt", "b.txt"} & set(shown_names(pane)), timeout=10000)
    assert shown_names(pane)[-1] == "keep.txt"


def test_new_folder_new_bucket_rename_and_move(
    qtbot, pane, seaweed_context, seaweed_bucket, monkeypatch
):
    put(seaweed_context, seaweed_bucket, {"m/a.txt": b"a", "m/dir/b.txt": b"b"})
    open_folder(qtbot, pane, seaweed_bucket, "m/")
    monkeypatch.setattr(pane.prompts, "ask_text", lambda *a: "fresh")
    run_op(qtbot, pane, pane.new_folder)
    assert "m/fresh/" in keys_in(seaweed_context, seaweed_bucket)
    qtbot.waitUntil(lambda: "fresh" in shown_names(pane), timeout=10000)

    select(pane, "a.txt")
    monkeypatch.setattr(pane.prompts, "ask_text", lambda *a: "m/fresh/renamed.txt")
    outcome = run_op(qtbot, pane, pane.rename_selected)
    assert (len(outcome.moved), outcome.skipped, outcome.failed) == (1, (), ())
    select(pane, "dir")
    monkeypatch.setattr(pane.prompts, "ask_text", lambda *a: "archive/dir2")
    outcome = run_op(qtbot, pane, pane.rename_selected)
    # SeaweedFS answers HEAD for a folder (a filer directory), so its marker moves too.
    assert len(outcome.moved) in (1, 2) and (outcome.skipped, outcome.failed) == ((), ())
    assert [k for k in keys_in(seaweed_context, seaweed_bucket) if k != "archive/dir2/"] == [
        "archive/dir2/b.txt",
        "m/fresh/",
        "m/fresh/renamed.txt",
    ]
    body = seaweed_context.client.get_object(Bucket=seaweed_bucket, Key="archive/dir2/b.txt")
    assert body["Body"].read() == b"b"

    name = unique_bucket("new")
    monkeypatch.setattr(pane.prompts, "ask_new_bucket", lambda region: (name, "us-east-1"))
    run_op(qtbot, pane, pane.new_bucket)
    qtbot.waitUntil(lambda: pane.model.find_node(name, "") is not None, timeout=10000)
    seaweed_context.client.head_bucket(Bucket=name)
    seaweed_context.client.delete_bucket(Bucket=name)


def test_properties_dialog_edits_headers(qtbot, pane, seaweed_context, seaweed_bucket):
    put(
        seaweed_context,
        seaweed_bucket,
        {"props/p.jpg": b"jpegish"},
        ContentType="text/plain",
        Metadata={"camera": "x100"},
    )
    open_folder(qtbot, pane, seaweed_bucket, "props/")
    select(pane, "p.jpg")
    pane.show_properties()
    dialog = pane.properties_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.props is not None, timeout=10000)
    assert dialog.size_label.text().startswith("7 B")
    assert dialog.type_edit.text() == "text/plain"
    assert dialog.storage_label.text() == "STANDARD"
    assert "camera: x100" in dialog.metadata_view.toPlainText()
    assert not dialog.save_button.isEnabled()
    dialog.type_edit.setText("image/jpeg")
    dialog.cache_edit.setText("public, max-age=3600")
    assert dialog.save_button.isEnabled()
    run_op(qtbot, pane, dialog.save_button.click)
    head = seaweed_context.client.head_object(Bucket=seaweed_bucket, Key="props/p.jpg")
    assert head["ContentType"] == "image/jpeg"
    assert head["CacheControl"] == "public, max-age=3600"
    assert head["Metadata"] == {"camera": "x100"}
    assert dialog.props is not None and dialog.props.content_type == "image/jpeg"
    dialog.close()


# -- sharing ---------------------------------------------------------------------------
def test_share_dialog_formats_and_links_download(qtbot, pane, seaweed_context, seaweed_bucket):
    put(seaweed_context, seaweed_bucket, {"s/pic one.jpg": jpeg_bytes(), "s/doc.txt": b"doc"})
    open_folder(qtbot, pane, seaweed_bucket, "s/")
    select(pane, "pic one.jpg", "doc.txt")
    dialog = pane.open_share_dialog(LinkFormat.MARKDOWN)
    assert dialog is not None
    with qtbot.waitSignal(dialog.credentialsKnown, timeout=10000):
        pass
    assert "The link works until" in dialog.note_text
    dialog.set_expiry(5 * 3600)  # custom
    assert dialog.seconds == 18000
    text = copied(qtbot, pane, dialog.accept)
    lines = text.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("[doc.txt](") and lines[1].startswith("![pic one.jpg](")
    urls = [re.search(r"\((http[^)]+)\)$", line).group(1) for line in lines]
    assert all("X-Amz-Expires=18000" in u for u in urls)
    assert fetch(urls[0]) == b"doc" and fetch(urls[1]) == jpeg_bytes()

    dialog = pane.open_share_dialog(LinkFormat.HTML)
    dialog.set_expiry(86400)
    html_text = copied(qtbot, pane, dialog.accept)
    assert html_text.splitlines()[0].startswith('<a href="http')
    assert html_text.splitlines()[1].startswith('<img src="http')
    assert 'alt="pic one.jpg"' in html_text

    uris = copied(qtbot, pane, pane.copy_s3_uri)
    assert uris == f"s3://{seaweed_bucket}/s/doc.txt\ns3://{seaweed_bucket}/s/pic one.jpg"
    public = copied(qtbot, pane, pane.copy_public_url)
    endpoint = seaweed_context.settings.endpoint_url
    assert public.splitlines() == [
        f"{endpoint}/{seaweed_bucket}/s/doc.txt",
        f"{endpoint}/{seaweed_bucket}/s/pic%20one.jpg",
    ]
    pane.public_base_url = "https://cdn.example.org/"
    assert copied(qtbot, pane, pane.copy_public_url).splitlines()[1] == (
        "https://cdn.example.org/s/pic%20one.jpg"
    )


def test_odd_keys_listed_and_presigned_links_work_on_seaweedfs(
    qtbot, pane, seaweed_context, seaweed_bucket
):
    # (SeaweedFS drops a key's leading "/": that case is tested on moto below.)
    put(seaweed_context, seaweed_bucket, {k: k.encode() for k in ODD_KEYS if k[0] != "/"})
    open_folder(qtbot, pane, seaweed_bucket, "odd/")
    names = [k.rsplit("/", 1)[-1] for k in ODD_KEYS if k.startswith("odd/")]
    assert shown_names(pane) == sorted(names)
    select(pane, *names)
    text = copied(qtbot, pane, lambda: pane.copy_presigned_link(3600))
    urls = text.splitlines()
    assert len(urls) == len(names)
    bodies = sorted(fetch(u) for u in urls)
    assert bodies == sorted(k.encode() for k in ODD_KEYS if k.startswith("odd/"))


def test_temporary_credentials_are_told(qtbot, pool, moto_server):
    settings = dict(endpoint_url=moto_server, region="us-east-1", addressing_style="path")
    context = S3Context(
        ConnectionSettings(
            **settings, access_key_id="ASIATEMP", secret_access_key="s", session_token="tok"
        )
    )
    bucket = unique_bucket("tmp")
    context.client.create_bucket(Bucket=bucket)
    pane = make_pane(qtbot, pool, context)
    try:
        put(context, bucket, {"t.txt": b"t"})
        open_folder(qtbot, pane, bucket)
        select(pane, "t.txt")
        dialog = pane.open_share_dialog()
        with qtbot.waitSignal(dialog.credentialsKnown, timeout=10000):
            pass
        assert "temporary" in dialog.note_text
        # Refreshable credentials (SSO, assumed role) tell their expiry: the dialog says
        # the link dies then, not in 7 days.
        from botocore.credentials import RefreshableCredentials

        expiry = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        meta = {"access_key": "a", "secret_key": "b", "token": "c",
                "expiry_time": expiry.isoformat()}  # fmt: skip
        creds = RefreshableCredentials.create_from_metadata(meta, lambda: meta, "sso")
        real_session = context.session
        context._session = SimpleNamespace(get_credentials=lambda: creds)  # type: ignore[assignment]
        dialog = pane.open_share_dialog()
        with qtbot.waitSignal(dialog.credentialsKnown, timeout=10000):
            pass
        dialog.set_expiry(7 * 86400)
        local = expiry.astimezone().strftime("%Y-%m-%d %H:%M")
        assert "expire at " + local in dialog.note_text
        assert "earlier than the expiry you chose" in dialog.note_text
        context._session = real_session
        dialog.reject()
    finally:
        pane.shutdown()


def test_gallery_published_and_its_link_works(
    qtbot, pane, seaweed_context, seaweed_bucket, monkeypatch
):
    put(
        seaweed_context,
        seaweed_bucket,
        {"gal/<script>x.jpg": jpeg_bytes(), "gal/b.png": jpeg_bytes(), "gal/n.txt": b"n"},
    )
    open_folder(qtbot, pane, seaweed_bucket, "gal/")
    pane.select_nodes([])
    monkeypatch.setattr(
        pane.prompts, "ask_gallery", lambda count, title: ("My <trip>", False, 86400)
    )
    with qtbot.waitSignal(pane.linkCopied, timeout=20000) as blocker:
        pane.publish_gallery_dialog()
    url = blocker.args[0]
    QGuiApplication.clipboard().clear()
    assert f"/{seaweed_bucket}/gal/index.html?" in url
    page = fetch(url).decode()
    assert "<script>" not in page and "&lt;script&gt;x.jpg" in page
    assert "<title>My &lt;trip&gt;</title>" in page
    assert "n.txt" not in page
    srcs = re.findall(r'<img src="([^"]+)"', page)
    assert len(srcs) == 2
    import html

    assert fetch(html.unescape(srcs[0])) == jpeg_bytes()


# -- the "AWS-like" profile kind (moto over HTTP) --------------------------------------
def test_moto_pagination_presigned_and_bulk_delete(qtbot, pool, moto_context, monkeypatch):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    bucket = unique_bucket("aws")
    moto_context.client.create_bucket(Bucket=bucket)
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    for i in range(2500):
        backend.put_object(bucket, f"big/k{i:05}.txt", f"v{i}".encode())
    pane = make_pane(qtbot, pool, moto_context)
    try:
        backend.put_object(bucket, "/leading-slash.txt", b"lead")
        node = open_folder(qtbot, pane, bucket, "big/")
        assert len(node.children) == 1000 and node.next_token  # one page, more to come
        # Scrolling to the end pulls the next pages through the proxy (lazy, no reset).
        while pane.model.canFetchMore(pane.model.index_for(node)) or node.fetching:
            pane.view.scrollToBottom()
            count = len(node.children)
            qtbot.waitUntil(lambda c=count: len(node.children) > c or not node.next_token)
        assert len(node.children) == 2500
        assert shown_names(pane)[:2] == ["k00000.txt", "k00001.txt"]
        assert shown_names(pane)[-1] == "k02499.txt"
        select(pane, "k01234.txt")
        url = copied(qtbot, pane, lambda: pane.copy_presigned_link(3600))
        assert url.startswith(moto_context.settings.endpoint_url)
        assert fetch(url) == b"v1234"
        # A key with a leading "/" (kept by AWS and moto) lives in the folder shown as "/".
        open_folder(qtbot, pane, bucket, "")
        assert shown_names(pane) == ["/", "big"]
        open_folder(qtbot, pane, bucket, "/")
        assert shown_names(pane) == ["leading-slash.txt"]
        select(pane, "leading-slash.txt")
        url = copied(qtbot, pane, lambda: pane.copy_presigned_link(600))
        assert fetch(url) == b"lead"
        pane.navigate(bucket, "")
        qtbot.waitUntil(lambda: "big" in shown_names(pane), timeout=10000)
        select(pane, "big")
        monkeypatch.setattr(pane.prompts, "confirm", lambda title, text: "1 folder" in text)
        outcome = run_op(qtbot, pane, pane.delete_selected)
        assert (outcome.object_count, outcome.failed) == (2500, ())
        assert moto_context.client.list_objects_v2(Bucket=bucket)["KeyCount"] == 1  # "/…"
    finally:
        pane.shutdown()
