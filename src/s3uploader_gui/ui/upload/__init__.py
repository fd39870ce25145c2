"""The upload side of the window: the pane, its queue, transfer controls and image options.

Nothing is imported here: the window imports ``upload.pane`` and each module its own
neighbours, so importing the package costs nothing at start-up.
"""
