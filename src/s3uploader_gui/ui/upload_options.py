"""Temporary shim: moved to s3uploader_gui.ui.upload.image_options (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.ui.upload.image_options import SETTINGS_GROUP as SETTINGS_GROUP
from s3uploader_gui.ui.upload.image_options import ImageOptionsDialog as ImageOptionsDialog
from s3uploader_gui.ui.upload.image_options import ImageOptionsEditor as ImageOptionsEditor
from s3uploader_gui.ui.upload.image_options import UploadOptionsPanel as UploadOptionsPanel
from s3uploader_gui.ui.upload.image_options import options_from_settings as options_from_settings
from s3uploader_gui.ui.upload.image_options import options_to_settings as options_to_settings
