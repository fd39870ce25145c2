"""Temporary shim: moved to core/transfers/journal.py (removed by the lead's import codemod)."""

from s3uploader_gui.core.transfers.journal import JOURNAL_NAME as JOURNAL_NAME
from s3uploader_gui.core.transfers.journal import UNFINISHED_STATES as UNFINISHED_STATES
from s3uploader_gui.core.transfers.journal import Journal as Journal
from s3uploader_gui.core.transfers.journal import JournalItem as JournalItem
from s3uploader_gui.core.transfers.journal import JournalPart as JournalPart
from s3uploader_gui.core.transfers.journal import default_journal_path as default_journal_path
