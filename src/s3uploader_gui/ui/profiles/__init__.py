"""The profiles dialog, split by concept: the dialog and its list, the profile form, provider
presets, the connection test, and the keyring calls.

Nothing is imported here: the window opens the dialog on demand (``profiles.dialog``).
"""
