"""The core's public API: every operation the window and the command line perform.

One module per operation (``connect``, ``uploads``, ``downloads``, ``objects``, ``links``,
``gallery``). Each is a function with plain inputs (a connection or ``S3Context``, buckets,
keys or paths, a policy, a ``CancelToken``, a progress sink) that returns a frozen
dataclass; per-item problems are rows of that result, never exceptions that stop the
others. The rules that protect a user's data (unique keys within a batch, nothing replaced
without the chosen policy, verified transfers) live here or in the engine these call, once.

Nothing is imported here: import from the submodule, so that a face loads only what the
operation it runs needs.
"""
