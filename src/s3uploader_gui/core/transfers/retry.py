"""Which failures another try may cure, and how a failure says it was retried: one rule
for uploads and downloads."""

from __future__ import annotations

from s3uploader_gui.core.errors import AppError, EndpointUnreachable, ServerError

#: Server answers that mean "busy or briefly broken", not "refused".
BUSY_CODES = frozenset(
    {"SlowDown", "503", "ServiceUnavailable", "InternalError", "500", "RequestTimeout"}
)


def is_transient(err: AppError) -> bool:
    """The network, or a server that is overloaded: worth another try. (A changed object,
    a size that does not match or a refusal would fail the same way again.)"""
    if isinstance(err, EndpointUnreachable):
        return True
    return isinstance(err, ServerError) and err.code in BUSY_CODES


def retried(err: AppError, budget: float, note: str = "") -> AppError:
    """A copy of ``err`` whose message says how long the item was retried (and ``note``)."""
    text = err.message.rstrip(".") + f" (retried for {budget:.0f} s{note})."
    clone = type(err).__new__(type(err))
    clone.__dict__.update(err.__dict__)
    clone.message = text
    clone.args = (text,)
    return clone
