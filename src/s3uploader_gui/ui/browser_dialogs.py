"""Temporary shim: moved to s3uploader_gui.ui.browser.dialogs (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.ui.browser.dialogs import COMMON_REGIONS as COMMON_REGIONS
from s3uploader_gui.ui.browser.dialogs import CUSTOM as CUSTOM
from s3uploader_gui.ui.browser.dialogs import EXPIRY_CHOICES as EXPIRY_CHOICES
from s3uploader_gui.ui.browser.dialogs import GalleryDialog as GalleryDialog
from s3uploader_gui.ui.browser.dialogs import NewBucketDialog as NewBucketDialog
from s3uploader_gui.ui.browser.dialogs import PropertiesDialog as PropertiesDialog
from s3uploader_gui.ui.browser.dialogs import ShareDialog as ShareDialog
from s3uploader_gui.ui.browser.dialogs import describe_lifetime as describe_lifetime
