"""Qt translations: English plural forms always, the system language's on top when present.

The sources are English with Qt's numerus form (``self.tr("%n file(s)", "", n)``); without
a translation Qt leaves the "(s)". ``s3uploader_gui_en.qm`` gives each of those strings
its singular and plural (scripts/update_translations.py makes it). A catalogue for the
system language, ``s3uploader_gui_<locale>.qm`` in the same folder, is installed after it
and so wins; what it lacks falls back to the English forms, then to the source text.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

#: Next to the package, also in the PyInstaller bundle (importlib.resources costs start-up).
FOLDER = Path(__file__).resolve().parent.parent / "resources" / "i18n"
DOMAIN = "s3uploader_gui"
ENGLISH = FOLDER / f"{DOMAIN}_en.qm"

#: The installed translators: QCoreApplication does not own them.
_translators: list[QTranslator] = []


def install_translations(app: QCoreApplication) -> None:
    """Install the English plural forms, then the system locale's catalogue if there is one.

    Idempotent for one application object: a second call installs nothing more.
    """
    if app.findChild(QTranslator, DOMAIN) is not None:
        return
    english = QTranslator(app)
    english.setObjectName(DOMAIN)
    if english.load(str(ENGLISH)):
        app.installTranslator(english)
        _translators.append(english)
    else:
        logging.getLogger(__name__).warning("plural forms not found: %s", ENGLISH)
    local = QTranslator(app)
    local.setObjectName(f"{DOMAIN}-locale")
    # Tries s3uploader_gui_de_DE.qm, s3uploader_gui_de.qm, … for the UI languages.
    if local.load(QLocale(), DOMAIN, "_", str(FOLDER)) and Path(local.filePath()) != ENGLISH:
        app.installTranslator(local)
        _translators.append(local)
