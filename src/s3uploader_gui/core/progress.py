"""Temporary shim: moved to core/transfers/progress.py and core/formatting.py (removed by the
lead's import codemod)."""

from s3uploader_gui.core.formatting import format_bytes as format_bytes
from s3uploader_gui.core.formatting import format_duration as format_duration
from s3uploader_gui.core.transfers.progress import ProgressSnapshot as ProgressSnapshot
from s3uploader_gui.core.transfers.progress import TransferProgress as TransferProgress
