"""Temporary shim: moved to s3uploader_gui.ui.profiles.dialog, s3uploader_gui.ui.profiles.feedback, s3uploader_gui.ui.profiles.presets, s3uploader_gui.ui.profiles.secret_store (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.ui.profiles.dialog import ProfilesDialog as ProfilesDialog
from s3uploader_gui.ui.profiles.feedback import ERROR_COLOR as ERROR_COLOR
from s3uploader_gui.ui.profiles.feedback import OK_COLOR as OK_COLOR
from s3uploader_gui.ui.profiles.presets import ADDRESSING as ADDRESSING
from s3uploader_gui.ui.profiles.presets import KINDS as KINDS
from s3uploader_gui.ui.profiles.secret_store import KeyringInfo as KeyringInfo
from s3uploader_gui.ui.profiles.secret_store import SecretState as SecretState
