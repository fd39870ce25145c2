"""Watched folders in the window: the scanning service and the preferences page."""
