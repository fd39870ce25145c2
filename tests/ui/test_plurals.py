"""English plurals: "1 file" and "2 files", never "1 file(s)" (ui/i18n.py).

The numerus strings are read from the sources, not from the catalogue: a new
``self.tr("… %n thing(s)", "", n)`` fails here until ``scripts/update_translations.py``
has been run.
"""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

import s3uploader_gui
from s3uploader_gui.ui import i18n
from s3uploader_gui.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(s3uploader_gui.__file__).resolve().parent
TS = i18n.FOLDER / "s3uploader_gui_en.ts"
REGENERATE = "run: .venv/bin/python scripts/update_translations.py"


def _script() -> ModuleType:
    path = ROOT / "scripts" / "update_translations.py"
    spec = importlib.util.spec_from_file_location("update_translations", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCRIPT = _script()


# The script's scan; test_the_scan_finds_the_numerus_strings checks it finds them.
NUMERUS, WITHOUT_N = SCRIPT.scan()


@pytest.fixture(scope="module")
def catalogue() -> QTranslator:
    translator = QTranslator()
    assert translator.load(str(i18n.ENGLISH)), f"cannot load {i18n.ENGLISH}"
    return translator


def test_the_scan_finds_the_numerus_strings() -> None:
    assert len(NUMERUS) >= 20
    assert ("UploadPane", "Uploaded %n file(s)") in NUMERUS
    assert ("BrowserPane", "%Ln item(s)") in NUMERUS


def test_every_string_with_a_number_passes_it() -> None:
    # tr("%n files") without n shows "%n" as is.
    assert WITHOUT_N == []


@pytest.mark.parametrize(("context", "text"), NUMERUS, ids=[f"{c}:{t}" for c, t in NUMERUS])
def test_numerus_string_has_english_singular_and_plural(
    catalogue: QTranslator, context: str, text: str
) -> None:
    singular, plural = SCRIPT.english_forms(text)
    # The compiled catalogue has both forms (QTranslator answers "" for a missing string).
    assert catalogue.translate(context, text, "", 1) == singular, REGENERATE
    assert catalogue.translate(context, text, "", 2) == plural, REGENERATE
    # What the widgets get.
    one = QCoreApplication.translate(context, text, "", 1)
    two = QCoreApplication.translate(context, text, "", 2)
    for shown in (one, two):
        assert "(s)" not in shown and "(es)" not in shown and "%" not in shown
    assert "1" in one and "2" in two and "1" not in two
    if "(s)" in text or "(es)" in text:
        assert one != two.replace("2", "1")


def test_catalogue_source_matches_the_sources_and_the_compiled_file(
    catalogue: QTranslator,
) -> None:
    """The .ts lists exactly the sources' numerus strings, and the .qm is compiled from it."""
    entries: dict[tuple[str, str], list[str]] = {}
    for context in ET.parse(TS).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            if message.get("numerus") == "yes":
                forms = [f.text or "" for f in message.iter("numerusform")]
                entries[(name, message.findtext("source") or "")] = forms
    assert sorted(entries) == NUMERUS, REGENERATE
    for (context, text), forms in entries.items():
        compiled = [catalogue.translate(context, text, "", n) for n in (1, 2)]
        assert compiled == forms, f"{TS.with_suffix('.qm').name} is stale: {REGENERATE}"


def test_installing_twice_installs_once(qapp: QCoreApplication) -> None:
    before = len(qapp.findChildren(QTranslator))
    i18n.install_translations(qapp)
    assert len(qapp.findChildren(QTranslator)) == before
    assert QCoreApplication.translate("UploadPane", "Added %n file(s)", "", 1) == "Added 1 file"


def test_upload_pane_says_1_file_not_1_files(qtbot, tmp_path: Path) -> None:
    win = MainWindow()
    qtbot.addWidget(win)
    messages: list[str] = []
    win.statusMessage.connect(messages.append)
    try:
        one = tmp_path / "one.txt"
        one.write_text("hello", encoding="utf-8")
        win.upload_pane.add_paths([one])
        qtbot.waitUntil(lambda: any(m.startswith("Added") for m in messages), timeout=10000)
        assert messages == ["Adding 1 item…", "Added 1 file (5 B)"]

        messages.clear()
        two = tmp_path / "two.txt"
        two.write_text("hello", encoding="utf-8")
        win.upload_pane.add_paths([tmp_path / "missing.txt", two])
        qtbot.waitUntil(lambda: any(m.startswith("Added") for m in messages), timeout=10000)
        assert messages == ["Adding 2 items…", "Added 1 file (5 B) — 1 could not be added"]
    finally:
        win.shutdown()
        qtbot.waitUntil(lambda: win.pool.active == 0, timeout=10000)
