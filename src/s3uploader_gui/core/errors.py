"""Typed errors and the one place where botocore/OS exceptions become them.

Every failure the user can meet is an ``AppError`` subclass whose ``user_message`` is
one sentence a person understands. Messages never contain credentials: they are built
from error codes, bucket/key names, hosts and numbers only. A library's or a server's own
text can carry header values (botocore shows a refused header as ``b'<token>\\r'``): it
is never put in a message as it is, only through ``redaction.scrub``.
"""

from __future__ import annotations

import errno
import re
import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from s3uploader_gui.core.clock import describe_offset, skew_offset
from s3uploader_gui.core.redaction import redact, scrub

if TYPE_CHECKING:  # botocore loads lazily: importing it costs a quarter of a second
    import botocore.exceptions as bce


class AppError(Exception):
    """Base of every error the app reports to a person."""

    #: True when the whole run is misconfigured (credentials, endpoint), not one item.
    fatal = False

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


class ConfigError(AppError):
    """The configuration (profile, endpoint, arguments) cannot work."""

    fatal = True


class AuthError(AppError):
    """The server does not accept these credentials."""

    fatal = True


class SignatureMismatch(AuthError):
    """The access key is known but the secret is wrong."""


class CredentialsExpired(AuthError):
    """Temporary credentials or an SSO session have expired."""


class MissingCredentials(AuthError):
    """No credentials could be found at all."""


class ClockSkewError(AuthError):
    """The computer's clock differs too much from the server's."""

    def __init__(self, message: str, *, offset_seconds: float | None) -> None:
        super().__init__(message, code="RequestTimeTooSkewed")
        self.offset_seconds = offset_seconds


class EndpointUnreachable(AppError):
    """The server cannot be reached (DNS, refused, timeout, TLS)."""

    fatal = True

    def __init__(self, message: str, *, host: str) -> None:
        super().__init__(message, code="EndpointUnreachable")
        self.host = host


class ServerNotInstalled(ConfigError):
    """The embedded local storage server (SeaweedFS ``weed``) is not installed."""


class AccessDenied(AppError):
    """The credentials are valid but not allowed to do this."""


class NotFound(AppError):
    """A bucket, key or local path does not exist."""


class BucketNotFound(NotFound):
    """The bucket does not exist."""

    fatal = True


class AclNotSupported(AppError):
    """The bucket has ACLs disabled (Object Ownership: bucket owner enforced)."""


class AttributesNotKept(AppError):
    """A copy would lose something the object has (an ACL or tags it cannot read...):
    nothing was copied. ``not_kept`` has one sentence per thing."""

    def __init__(self, message: str, not_kept: tuple[str, ...]) -> None:
        super().__init__(message, code="AttributesNotKept")
        self.not_kept = not_kept


class IntegrityError(AppError):
    """Data arrived different from what was sent (checksum mismatch)."""


class LocalFileError(AppError):
    """A local file is missing, unreadable or not a regular file."""


class UnsafePath(AppError):
    """An object key would write outside the chosen destination folder."""


class BadImage(AppError):
    """A file could not be decoded as an image."""


class Cancelled(AppError):
    """The user cancelled the operation."""

    def __init__(self, message: str = "Cancelled.") -> None:
        super().__init__(message, code="Cancelled")


class KeyringUnavailable(AppError):
    """No usable OS keyring (none installed, locked, or the user declined to unlock)."""


class ServerError(AppError):
    """Any other answer from the server."""


class ListingLoop(ServerError):
    """A listing that neither advances nor ends (a repeated continuation token, the same
    page again, or "more follows" with no token): stopped instead of asked forever."""

    def __init__(self, bucket: str, prefix: str, why: str) -> None:
        super().__init__(
            f"The server's listing of s3://{bucket}/{prefix} does not advance ({why}), "
            "so it was stopped.",
            code="ListingLoop",
        )


def user_message(err: BaseException) -> str:
    """One sentence for a person, for any exception."""
    if isinstance(err, AppError):
        return redact(err.message)
    return translate(err).message


def _host(endpoint: str | None) -> str:
    if not endpoint:
        return "the server"
    parts = urlsplit(endpoint)
    return parts.netloc or endpoint


_PARAM_VALUE = re.compile(r",? value: .*?(?=, type: |$)", re.MULTILINE)


def _what(bucket: str | None, key: str | None) -> str:
    if bucket and key:
        return f"s3://{bucket}/{key}"
    if bucket:
        return f"bucket “{bucket}”"
    return "the object"


def translate(
    exc: BaseException,
    *,
    bucket: str | None = None,
    key: str | None = None,
    endpoint: str | None = None,
) -> AppError:
    """Turn any exception raised by boto3, s3transfer or the OS into an AppError."""
    if isinstance(exc, AppError):
        return exc
    if type(exc).__name__ == "RetriesExceededError" and type(exc).__module__.startswith(
        ("s3transfer", "boto3")
    ):
        # s3transfer read a body that kept breaking off (timeouts, short reads) until it
        # gave up: the network or the server is failing now, as for a read timeout, so it
        # is the same transient, retryable error (matched by name: no s3transfer import).
        cause = getattr(exc, "last_exception", None)
        host = _host(getattr(cause, "kwargs", {}).get("endpoint_url") or endpoint)
        err: AppError = EndpointUnreachable(
            f"{host} kept breaking off the transfer of {_what(bucket, key)} (the connection "
            "dropped several times in a row).",
            host=host,
        )
        err.code = "RetriesExceeded"
    else:
        err = _translate(exc, bucket=bucket, key=key, endpoint=endpoint)
    # Messages may start with a placeholder ("the object", "the server"): a sentence.
    # A secret registered in any form never survives into it, whoever built it.
    fixed = _capitalize(redact(err.message))
    if fixed != err.message:
        err.message = fixed
        err.args = (fixed,)
    return err


def _translate(
    exc: BaseException, *, bucket: str | None, key: str | None, endpoint: str | None
) -> AppError:
    # No botocore exception can exist before botocore is imported: then skip its checks
    # rather than import it here.
    botocore_loaded = "botocore.exceptions" in sys.modules
    if botocore_loaded:
        err = _from_botocore(exc, bucket=bucket, key=key, endpoint=endpoint)
        if err is not None:
            return err
    if _refused_header(exc):
        return ConfigError(
            "A key, secret or session token holds a line break or another character that "
            "cannot be sent (a file saved with Windows line endings adds one): remove it.",
            code="InvalidHeaderValue",
        )
    if type(exc).__name__ == "CancelledError" or isinstance(exc, KeyboardInterrupt):
        return Cancelled()
    if isinstance(exc, OSError):
        return _from_os_error(exc, endpoint)
    if botocore_loaded:
        import botocore.exceptions as bce

        if isinstance(exc, bce.BotoCoreError):
            return ServerError(_sentence(f"The S3 client failed: {scrub(str(exc))}"))
    return AppError(
        _sentence(f"Unexpected error: {type(exc).__name__}: {scrub(str(exc))}"),
        code=type(exc).__name__,
    )


def _sentence(text: str) -> str:
    return text if text.rstrip().endswith((".", "!", "?", "…")) else text.rstrip(" :") + "."


def _refused_header(exc: BaseException) -> bool:
    """True when http.client refused a header value or name (a CR or LF in a credential).

    botocore wraps the ``ValueError`` in ``HTTPClientError``; the lean request path
    raises it as it is. Its text holds the whole header value: it is matched, never shown.
    """
    kwargs = getattr(exc, "kwargs", None)
    inner = kwargs.get("error") if isinstance(kwargs, dict) else None
    for candidate in (exc, inner):
        if isinstance(candidate, ValueError) and str(candidate).startswith("Invalid header"):
            return True
    return False


def _from_botocore(
    exc: BaseException, *, bucket: str | None, key: str | None, endpoint: str | None
) -> AppError | None:
    """The AppError for a botocore exception (not BotoCoreError itself), or None."""
    import botocore.exceptions as bce

    if isinstance(exc, bce.ClientError):
        return _from_client_error(exc, bucket=bucket, key=key, endpoint=endpoint)
    if isinstance(exc, bce.NoCredentialsError):
        return MissingCredentials(
            "No credentials were found: choose a profile, or set an access key and secret.",
            code="NoCredentials",
        )
    if isinstance(exc, bce.PartialCredentialsError):
        return MissingCredentials(
            "The credentials are incomplete: both an access key ID and a secret are needed.",
            code="PartialCredentials",
        )
    if isinstance(exc, bce.ProfileNotFound):
        return ConfigError(
            f"The AWS profile “{exc.kwargs.get('profile', '')}” does not exist in ~/.aws.",
            code="ProfileNotFound",
        )
    sso_errors = tuple(
        cls
        for cls in (
            getattr(bce, "SSOTokenLoadError", None),
            getattr(bce, "UnauthorizedSSOTokenError", None),
            getattr(bce, "TokenRetrievalError", None),
        )
        if cls is not None
    )
    if sso_errors and isinstance(exc, sso_errors):
        return CredentialsExpired(
            "The AWS SSO session is missing or has expired: run “aws sso login” and try again.",
            code="SSOTokenExpired",
        )
    if isinstance(exc, bce.SSLError):
        host = _host(getattr(exc, "kwargs", {}).get("endpoint_url") or endpoint)
        return EndpointUnreachable(
            f"The secure connection to {host} failed (TLS certificate or protocol error).",
            host=host,
        )
    if isinstance(
        exc,
        bce.EndpointConnectionError
        | bce.ConnectTimeoutError
        | bce.ReadTimeoutError
        | bce.ConnectionClosedError
        | bce.ProxyConnectionError,
    ):
        host = _host(getattr(exc, "kwargs", {}).get("endpoint_url") or endpoint)
        if isinstance(exc, bce.ReadTimeoutError):
            text = f"{host} stopped answering (read timed out)."
        elif isinstance(exc, bce.ConnectionClosedError):
            text = f"{host} closed the connection before the transfer finished."
        else:
            text = f"Cannot reach {host}: check the endpoint address and your network."
        return EndpointUnreachable(text, host=host)
    if isinstance(exc, bce.ParamValidationError):
        # The report quotes the parameters' values (an SSE-C key is one): names only.
        report = _PARAM_VALUE.sub("", str(exc.kwargs.get("report", "")))
        return ConfigError(f"Invalid request: {scrub(report) or 'bad parameters'}.")
    return None


def _from_os_error(exc: OSError, endpoint: str | None) -> AppError:
    import socket

    if exc.filename is None and isinstance(exc, ConnectionError | TimeoutError | socket.gaierror):
        # A network failure that escaped botocore's wrapping is not a local file problem.
        host = _host(endpoint)
        if isinstance(exc, TimeoutError):
            text = f"{host} stopped answering (timed out)."
        else:
            text = f"Cannot reach {host}: check the endpoint address and your network."
        return EndpointUnreachable(text, host=host)
    name = exc.filename if exc.filename is not None else "the file"
    if isinstance(exc, FileNotFoundError):
        text, code = f"{name} no longer exists.", "FileNotFound"
    elif isinstance(exc, PermissionError):
        text, code = f"{name} cannot be read: permission denied.", "PermissionDenied"
    elif isinstance(exc, IsADirectoryError):
        text, code = f"{name} is a folder, not a file.", "IsADirectory"
    elif exc.errno == errno.ENOSPC:
        text, code = f"The disk is full while writing {name}.", "DiskFull"
    else:
        text, code = f"{name}: {exc.strerror or exc}.", "OSError"
    return LocalFileError(text, code=code)


def _capitalize(text: str) -> str:
    # Only our own placeholders ("the file", "the server"); never change a file or host name.
    return "T" + text[1:] if text.startswith("the ") else text


def _from_client_error(
    exc: bce.ClientError, *, bucket: str | None, key: str | None, endpoint: str | None
) -> AppError:
    error: dict[str, Any] = dict(exc.response.get("Error", {}))
    code = str(error.get("Code", ""))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    bucket = bucket or error.get("BucketName")
    what = _what(bucket, key)
    if code == "InvalidAccessKeyId":
        return AuthError(
            "The server does not know this access key ID: check it in the profile.", code=code
        )
    if code == "SignatureDoesNotMatch":
        return SignatureMismatch(
            "The secret access key is wrong (the signature does not match): re-enter it.",
            code=code,
        )
    if code == "RequestTimeTooSkewed":
        headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders")
        offset = skew_offset(error, headers)
        if offset is None:
            text = (
                "This computer's clock is too far from the server's (more than 15 minutes): "
                "set the correct date and time and try again."
            )
        else:
            text = (
                f"This computer's clock is {describe_offset(offset)} the server's; S3 allows "
                "15 minutes: set the correct date and time and try again."
            )
        return ClockSkewError(text, offset_seconds=offset)
    if code in {"ExpiredToken", "TokenRefreshRequired", "InvalidToken"}:
        return CredentialsExpired(
            "The temporary credentials (session token) have expired: refresh them.", code=code
        )
    if code == "NoSuchBucket":
        return BucketNotFound(f"The bucket “{bucket or '?'}” does not exist.", code=code)
    if code in {"NoSuchKey", "NotFound", "404"} or status == 404:
        return NotFound(f"{what} does not exist.", code=code or "NotFound")
    if code == "AccessControlListNotSupported":
        return AclNotSupported(
            f"Bucket “{bucket or '?'}” has ACLs disabled, so “public-read” cannot be set; "
            "upload without an ACL or make the bucket public with a bucket policy.",
            code=code,
        )
    if code in {"AccessDenied", "AllAccessDisabled", "403", "Forbidden"} or status == 403:
        return AccessDenied(f"Access denied to {what}: the profile lacks permission.", code=code)
    if code in {"BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch"}:
        return IntegrityError(
            f"{what}: the data the server received does not match what was sent.", code=code
        )
    if code in {"InvalidBucketName"}:
        return ConfigError(
            f"“{bucket or '?'}” is not a valid bucket name (3–63 lowercase letters, digits, "
            "dots and hyphens).",
            code=code,
        )
    if code in {"BucketAlreadyExists"}:
        return AppError(f"The bucket name “{bucket}” is already taken by someone else.", code=code)
    if code in {"BucketAlreadyOwnedByYou"}:
        return AppError(f"You already own bucket “{bucket}”.", code=code)
    if code in {"BucketNotEmpty"}:
        return AppError(f"Bucket “{bucket}” is not empty.", code=code)
    if code in {"SlowDown", "503", "ServiceUnavailable", "InternalError", "500"}:
        return ServerError(
            f"{_host(endpoint)} is overloaded or failing ({code}); try again later.", code=code
        )
    detail = scrub(str(error.get("Message") or code or status))
    return ServerError(f"The server refused the request for {what}: {detail}", code=code)
