"""Temporary shim: moved to s3uploader_gui.ui.upload.pane, s3uploader_gui.ui.upload.item_events (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.ui.upload.item_events import ITEM_EVENT_BUDGET_S as ITEM_EVENT_BUDGET_S
from s3uploader_gui.ui.upload.item_events import ITEM_EVENT_DELAY_MS as ITEM_EVENT_DELAY_MS
from s3uploader_gui.ui.upload.pane import UploadPane as UploadPane
