"""A request's logic written once, as steps: a generator that yields each request and
gets its answer back (or has the error raised at the ``yield``).

The engine's pipeline (``pipeline``) sends a ``Wire`` step itself, over its non-blocking
connections; ``run_blocking`` runs the same generator on an ordinary thread, sending
each ``Wire`` the ordinary way (``http.Connections``, the region redirects).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from s3uploader_gui.core.s3.http import Body, Connections, Prepare

T = TypeVar("T")


@dataclass(frozen=True)
class Wire:
    """One request with its body in memory, that the pipeline may send itself.

    ``prepare`` signs it (the head and the body, as ``http.Connections.exchange`` takes
    them); ``finish`` makes the task's answer from a 2xx answer's headers and body;
    ``blocking`` sends the same request the ordinary way (rewinding ``body`` first), and
    is what ``run_blocking`` and a handed-over task call.
    """

    connections: Connections
    method: str
    prepare: Prepare
    body: Body | None
    finish: Callable[[dict[str, str], bytes], Any]
    #: The error for an answer of 300 or more, or None when the request is to be sent
    #: again the ordinary way (the bucket turned out to live in another region).
    refused: Callable[[int, dict[str, str], bytes], BaseException | None]
    blocking: Callable[[], Any]


@dataclass(frozen=True)
class Blocking:
    """A call that may wait (botocore, a HEAD after an odd answer): always run on an
    ordinary thread."""

    run: Callable[[], Any]


Step = Wire | Blocking
Steps = Generator[Step, Any, T]


def run_blocking(steps: Steps[T], value: Any = None, error: BaseException | None = None) -> T:
    """Run ``steps`` to its end on this thread (``value`` or ``error``: the outcome of
    the step it last yielded); its result, or what it raised."""
    while True:
        try:
            step = steps.throw(error) if error is not None else steps.send(value)
        except StopIteration as stop:
            result: T = stop.value
            return result
        finally:
            error = None  # no frame of a handled error is kept alive by this loop
        try:
            value = step.blocking() if isinstance(step, Wire) else step.run()
        except BaseException as exc:  # raised into the task, where it is handled
            value, error = None, exc
