"""Temporary shim: moved to s3uploader_gui.ui.browser.{node,tree_model,paging,folder_model} (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.ui.browser.folder_model import BrowserFilterModel as BrowserFilterModel
from s3uploader_gui.ui.browser.folder_model import FolderModel as FolderModel
from s3uploader_gui.ui.browser.node import Column as Column
from s3uploader_gui.ui.browser.node import Kind as Kind
from s3uploader_gui.ui.browser.node import Listing as Listing
from s3uploader_gui.ui.browser.node import Node as Node
from s3uploader_gui.ui.browser.node import Role as Role
from s3uploader_gui.ui.browser.paging import BucketModel as BucketModel
