"""The bucket browser: a lazy model of buckets, folders and objects, and the pane over it.

``pane.BrowserPane`` is the composition root: it builds the widgets and hands each of
its parts (navigation, actions, operations, sharing...) only the small interface it
needs. Nothing is re-exported here, so importing one module of the package does not
import the pane.
"""
