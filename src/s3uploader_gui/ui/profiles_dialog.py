"""Temporary shim: moved to s3uploader_gui.ui.profiles.dialog (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.ui.profiles.dialog import ADDRESSING as ADDRESSING
from s3uploader_gui.ui.profiles.dialog import ERROR_COLOR as ERROR_COLOR
from s3uploader_gui.ui.profiles.dialog import KINDS as KINDS
from s3uploader_gui.ui.profiles.dialog import KeyringInfo as KeyringInfo
from s3uploader_gui.ui.profiles.dialog import OK_COLOR as OK_COLOR
from s3uploader_gui.ui.profiles.dialog import ProfilesDialog as ProfilesDialog
from s3uploader_gui.ui.profiles.dialog import SecretState as SecretState
