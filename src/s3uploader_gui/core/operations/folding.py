"""How a local file system compares names: which two keys would land on one file.

Downloads ask it before planning names (``downloads.plan_downloads``): ``A.txt`` and
``a.txt`` are one file on a case-folding file system, ``é`` composed and decomposed on one
that normalises Unicode.
"""

from __future__ import annotations

import contextlib
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Folding:
    """Which names a file system treats as one: ``A.txt``/``a.txt`` (case), ``é``
    composed/decomposed (unicode)."""

    case: bool
    unicode: bool

    def __call__(self, name: str) -> str:
        """The form under which two names are the same file here."""
        if self.unicode:
            name = unicodedata.normalize("NFC", name)
        if self.case:
            name = name.casefold()
        return name


#: Assumed when the destination cannot be probed: the safe answer.
FOLDS_EVERYTHING = Folding(case=True, unicode=True)
#: Names are bytes (most Linux file systems).
FOLDS_NOTHING = Folding(case=False, unicode=False)


def _nearest_existing(folder: Path) -> Path:
    probe = folder.absolute()
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return probe


def detect_folding(folder: Path) -> Folding:
    """How the file system of ``folder`` (or its nearest existing ancestor) compares names.

    Found by creating a temporary file there (``.s3uploader-probe-<random>-aé``, the
    ``é`` decomposed) and looking it up under other spellings (``A`` for case, ``é``
    composed for Unicode), then removing it. When the probe cannot be made (a read-only
    folder, no permission), the answer is ``FOLDS_EVERYTHING``: treating two names as one
    file when unsure only makes a clashing pair fail, never lets one file replace another.
    The answer holds for the folder probed; subfolders are assumed to be alike (they are,
    except on a file system with per-folder case folding that the user changed by hand).
    """
    where = _nearest_existing(folder)
    stem = f".s3uploader-probe-{os.urandom(4).hex()}-"
    decomposed = stem + "a" + unicodedata.normalize("NFD", "\u00e9")
    probe = where / decomposed
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return FOLDS_EVERYTHING
    try:
        os.close(fd)
        case = (where / (stem + "A" + unicodedata.normalize("NFD", "\u00e9"))).exists()
        unicode = (where / (stem + "a" + "\u00e9")).exists()
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    return Folding(case=case, unicode=unicode)
