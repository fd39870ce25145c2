#!/usr/bin/env python3
"""Regenerate the English plural forms of the ``self.tr("… %n file(s)", "", n)`` strings.

Without a translation Qt shows the source text as is ("1 file(s)"); the English catalogue
gives every numerus string its singular and plural ("1 file" / "2 files"). After adding
or changing a string with ``%n``, run ``.venv/bin/python scripts/update_translations.py``
and commit ``src/s3uploader_gui/resources/i18n/`` (tests/ui/test_plurals.py fails until then).

Steps: a scan of the sources' syntax trees finds the numerus strings of
``src/s3uploader_gui`` (contexts are the class names ``self.tr`` uses at run time, or the
context given to ``QCoreApplication.translate``) and writes ``s3uploader_gui_en.ts``;
each gets its forms from ``ENGLISH`` below or the rule "(s)" → "" / "s", "(es)" → "" / "es";
``pyside6-lrelease`` compiles the ``.qm`` that ``ui/i18n.py`` loads. A string with neither
"(s)" nor an entry in ``ENGLISH`` stops the script: add it to the table.
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import subprocess
import sys
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
    "(and %n more)": ("(and %n more)", "(and %n more)"),
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


class _Finder(ast.NodeVisitor):
    """``self.tr(text, disambiguation, n)`` and ``QCoreApplication.translate(context, text,
    disambiguation, n)`` calls, with the context Qt looks them up in (the class name)."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.classes: list[str] = []
        self.numerus: set[tuple[str, str]] = set()
        self.without_n: list[str] = []

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.append(node.name)
        self.generic_visit(node)
        self.classes.pop()

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        has_n = any(k.arg == "n" for k in node.keywords)
        context: str | None = None
        text: str | None = None
        if name == "tr" and node.args:
            context = self.classes[-1] if self.classes else None
            text = _string(node.args[0])
            has_n = has_n or len(node.args) >= 3
        elif name == "translate" and len(node.args) >= 2:
            context, text = _string(node.args[0]), _string(node.args[1])
            has_n = has_n or len(node.args) >= 4
        if text is not None and ("%n" in text or "%Ln" in text):
            if context is None or not has_n:
                self.without_n.append(f"{self.where}:{node.lineno}: {text!r}")
            else:
                self.numerus.add((context, text))
        self.generic_visit(node)


def _string(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def scan() -> tuple[list[tuple[str, str]], list[str]]:
    """Every (context, numerus text) of the sources, and the calls that pass no number.

    Read from the syntax tree rather than by ``pyside6-lupdate``, which misses
    ``QCoreApplication.translate`` calls outside a class (the browser's parts use them to
    keep the pane's context).
    """
    numerus: set[tuple[str, str]] = set()
    without_n: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        finder = _Finder(str(path.relative_to(PACKAGE)))
        finder.visit(ast.parse(path.read_text(encoding="utf-8")))
        numerus |= finder.numerus
        without_n += finder.without_n
    return sorted(numerus), without_n


def write_ts(numerus: list[tuple[str, str]]) -> int:
    """Write the catalogue source: every numerus message with its English forms."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<!DOCTYPE TS>",
        '<TS version="2.1" language="en" sourcelanguage="en">',
    ]
    contexts: dict[str, list[str]] = {}
    for context, source in numerus:
        contexts.setdefault(context, []).append(source)
    for context, sources in contexts.items():
        lines += ["<context>", f"    <name>{_escape(context)}</name>"]
        for source in sources:
            singular, plural = english_forms(source)
            lines += [
                '    <message numerus="yes">',
                f"        <source>{_escape(source)}</source>",
                "        <translation>",
                f"            <numerusform>{_escape(singular)}</numerusform>",
                f"            <numerusform>{_escape(plural)}</numerusform>",
                "        </translation>",
                "    </message>",
            ]
        lines.append("</context>")
    lines.append("</TS>")
    I18N.mkdir(parents=True, exist_ok=True)
    TS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(numerus)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def compile_qm() -> None:
    subprocess.run(
        [_tool("pyside6-lrelease"), "-silent", str(TS), "-qm", str(QM)],
        check=True,
    )


def main() -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    numerus, without_n = scan()
    if without_n:
        raise SystemExit("strings with %n but no number passed:\n" + "\n".join(without_n))
    count = write_ts(numerus)
    compile_qm()
    print(f"{count} plural strings → {QM.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
