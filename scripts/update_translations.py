#!/usr/bin/env python3
"""Regenerate the English plural forms of the ``self.tr("… %n file(s)", "", n)`` strings.

Without a translation Qt shows the source text as is ("1 file(s)"); the English catalogue
gives every numerus string its singular and plural ("1 file" / "2 files"). After adding
or changing a string with ``%n``, run ``.venv/bin/python scripts/update_translations.py``
and commit ``src/s3uploader_gui/resources/i18n/`` (tests/ui/test_plurals.py fails until then).

Steps: ``pyside6-lupdate -pluralonly`` extracts the numerus strings of ``src/s3uploader_gui``
into ``s3uploader_gui_en.ts`` (contexts are the class names ``self.tr`` uses at run time);
each gets its forms from ``ENGLISH`` below or the rule "(s)" → "" / "s", "(es)" → "" / "es";
``pyside6-lrelease`` compiles the ``.qm`` that ``ui/i18n.py`` loads. A string with neither
"(s)" nor an entry in ``ENGLISH`` stops the script: add it to the table.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "s3uploader_gui"
I18N = PACKAGE / "resources" / "i18n"
TS = I18N / "s3uploader_gui_en.ts"
QM = I18N / "s3uploader_gui_en.qm"

#: Source texts whose English forms the "(s)" rule cannot derive: (singular, plural).
#: Strings that read the same for any number map to themselves.
ENGLISH: dict[str, tuple[str, str]] = {
    " (and %n more)": (" (and %n more)", " (and %n more)"),
    "%n failed": ("%n failed", "%n failed"),
    "%n cancelled": ("%n cancelled", "%n cancelled"),
    "%n could not be added": ("%n could not be added", "%n could not be added"),
    "(%n frames)": ("(%n frame)", "(%n frames)"),
}

_SUFFIX = re.compile(r"\((e?s)\)")


def english_forms(source: str) -> tuple[str, str]:
    """The English (singular, plural) of a numerus source text."""
    if source in ENGLISH:
        return ENGLISH[source]
    if not _SUFFIX.search(source):
        raise SystemExit(
            f"no English plural rule for {source!r}: add it to ENGLISH in {Path(__file__).name}"
        )
    return _SUFFIX.sub("", source), _SUFFIX.sub(r"\1", source)


def _tool(name: str) -> str:
    """A Qt tool from the interpreter's environment (the venv), else from PATH."""
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install the dev dependencies (PySide6)")
    return found


def extract() -> None:
    """Update the .ts with the numerus strings of the sources (others are left out)."""
    sources = sorted(str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py"))
    I18N.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            _tool("pyside6-lupdate"),
            "-silent",
            "-pluralonly",
            "-no-obsolete",
            "-locations",
            "none",
            "-source-language",
            "en",
            "-target-language",
            "en",
            *sources,
            "-ts",
            str(TS.relative_to(ROOT)),
        ],
        cwd=ROOT,
        check=True,
    )


def fill() -> int:
    """Give every numerus message its English forms; returns how many there are."""
    text = TS.read_text(encoding="utf-8")
    messages = re.findall(r'<message numerus="yes">.*?</message>', text, flags=re.S)
    out = text
    for message in messages:
        source = ET.fromstring(message).findtext("source") or ""
        singular, plural = english_forms(source)
        translation = (
            "<translation>\n"
            f"            <numerusform>{_escape(singular)}</numerusform>\n"
            f"            <numerusform>{_escape(plural)}</numerusform>\n"
            "        </translation>"
        )
        filled = re.sub(r"<translation.*?</translation>", translation, message, flags=re.S)
        out = out.replace(message, filled, 1)
    TS.write_text(out, encoding="utf-8")
    return len(messages)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def compile_qm() -> None:
    subprocess.run(
        [_tool("pyside6-lrelease"), "-silent", str(TS), "-qm", str(QM)],
        check=True,
    )


def main() -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    extract()
    count = fill()
    compile_qm()
    print(f"{count} plural strings → {QM.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
