"""The secrets this process holds, and text with them taken out.

Every secret the app handles (a profile's secret and session token, the keys boto3
resolved from the environment or ``~/.aws``) is registered here, and ``redact`` replaces
it by ``***`` in any text: the log file, a crash report, a message shown to a person.

A secret does not always appear as itself. A token read from a file with Windows line
endings ends in ``\\r``, and an exception shows it as ``b'…\\r'``; JSON escapes it, a URL
percent-encodes it. So each secret is registered in all the forms text can carry it,
and its stripped core too, which every one of those forms contains.

This module sits at the bottom of the core (``errors`` uses it): it imports nothing of
the app.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping

#: Shorter strings are not registered: replacing them would mangle ordinary text.
MIN_LENGTH = 6
#: The environment variables boto3 reads secrets from.
ENVIRONMENT_SECRETS = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
#: What ``scrub`` keeps of a library's or a server's text (a message is one sentence).
SCRUB_LIMIT = 200

_forms: set[str] = set()
_sorted: list[str] = []
_lock = threading.Lock()

# A run this long of base64/URL-safe characters mixing upper case, lower case and digits
# is a credential, a signature or a token far more often than anything a person needs.
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9+/=_%-]{40,}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def secret_forms(secret: str) -> set[str]:
    """``secret`` as text may carry it: raw, stripped, ``repr``-, JSON- and URL-escaped."""
    import json
    from urllib.parse import quote, quote_plus

    found: set[str] = set()
    for value in {secret, secret.strip()}:
        found |= {
            value,
            repr(value)[1:-1],
            repr(value.encode("utf-8", "backslashreplace"))[2:-1],
            json.dumps(value)[1:-1],
            json.dumps(value, ensure_ascii=False)[1:-1],
            quote(value, safe=""),
            quote(value),
            quote_plus(value),
        }
    return {form for form in found if len(form) >= MIN_LENGTH}


def register_secret(secret: str | None) -> None:
    """Remember ``secret`` (in all its forms) so ``redact`` takes it out of any text."""
    if not secret or len(secret.strip()) < MIN_LENGTH:
        return
    forms = secret_forms(secret)
    with _lock:
        if forms <= _forms:
            return
        _forms.update(forms)
        # Longest first: a form that contains another is replaced whole.
        _sorted[:] = sorted(_forms, key=len, reverse=True)


def register_environment_secrets(environ: Mapping[str, str] | None = None) -> None:
    """Register the secrets boto3 would take from the environment."""
    environ = os.environ if environ is None else environ
    for name in ENVIRONMENT_SECRETS:
        register_secret(environ.get(name))


def redact(text: str) -> str:
    """``text`` with every registered secret, in any of its forms, replaced by ``***``."""
    with _lock:
        forms = list(_sorted)
    for form in forms:
        if form in text:
            text = text.replace(form, "***")
    return text


def _masked(match: re.Match[str]) -> str:
    run = match.group(0)
    mixed = (
        any(c.isupper() for c in run)
        and any(c.islower() for c in run)
        and any(c.isdigit() for c in run)
    )
    return "***" if mixed else run


def scrub(text: str, limit: int = SCRUB_LIMIT) -> str:
    """A library's or a server's text made fit to show: registered secrets and anything
    shaped like a token taken out, on one line, at most ``limit`` characters."""
    text = redact(text)
    text = _CONTROL.sub(" ", text)
    text = _TOKEN_LIKE.sub(_masked, text)
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text
