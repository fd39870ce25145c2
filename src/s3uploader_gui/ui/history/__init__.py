"""The History window: every upload the app recorded (``core.history``), searchable, as
a list or a thumbnail grid, with links, downloads and deletes for each entry.

``model`` pages the history from SQLite, ``delegate`` draws the grid, ``reveal`` shows an
entry in the bucket browser, ``commands`` acts on entries, ``window`` puts them together.
The window's batches are recorded by ``ui.upload.history_recording``. Nothing here is
imported at start-up.
"""
