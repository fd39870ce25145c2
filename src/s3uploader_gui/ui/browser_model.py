"""Temporary shim: moved to s3uploader_gui.ui.browser.tree_model (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.ui.browser.tree_model import BrowserFilterModel as BrowserFilterModel
from s3uploader_gui.ui.browser.tree_model import BucketModel as BucketModel
from s3uploader_gui.ui.browser.tree_model import Column as Column
from s3uploader_gui.ui.browser.tree_model import FolderModel as FolderModel
from s3uploader_gui.ui.browser.tree_model import Kind as Kind
from s3uploader_gui.ui.browser.tree_model import Listing as Listing
from s3uploader_gui.ui.browser.tree_model import Node as Node
from s3uploader_gui.ui.browser.tree_model import Role as Role
