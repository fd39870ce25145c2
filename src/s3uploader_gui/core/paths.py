"""Per-user directories (platformdirs): settings, data, cache, logs.

``platformdirs`` is imported when a directory is first asked for, not with this module:
the modules that import this one at start-up (the journal, the profiles, the log) often
never ask, e.g. a command-line upload until its history is written.
"""

from __future__ import annotations

from pathlib import Path

APP_NAME = "s3uploader-gui"


def config_dir() -> Path:
    """Where non-secret settings and profiles live."""
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """Where the local storage server keeps its objects, and the transfer journal."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """Thumbnails and other data that can be rebuilt."""
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """Log files."""
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def local_storage_dir() -> Path:
    """The embedded SeaweedFS server's data directory."""
    return data_dir() / "local-s3"
