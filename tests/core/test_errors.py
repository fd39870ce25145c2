"""errors.translate() on real botocore/OS exceptions, and the messages people read."""

from __future__ import annotations

import datetime as dt
import errno
import re
import socket
from typing import Any

import botocore.auth
import botocore.exceptions as bce
import pytest

from s3uploader_gui.core.clock import clock_offset_seconds, describe_offset
from s3uploader_gui.core.errors import (
    AccessDenied,
    AclNotSupported,
    AppError,
    AuthError,
    BucketNotFound,
    Cancelled,
    ClockSkewError,
    ConfigError,
    CredentialsExpired,
    EndpointUnreachable,
    IntegrityError,
    LocalFileError,
    MissingCredentials,
    NotFound,
    ServerError,
    SignatureMismatch,
    translate,
    user_message,
)

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"


def client_error(
    code: str,
    message: str = "",
    *,
    status: int = 400,
    operation: str = "PutObject",
    headers: dict[str, str] | None = None,
    **extra: str,
) -> bce.ClientError:
    """A ClientError shaped like the ones botocore parses from real S3 answers."""
    response: dict[str, Any] = {
        "Error": {"Code": code, "Message": message, **extra},
        "ResponseMetadata": {
            "RequestId": "4442587FB7D0A2F9",
            "HostId": "host-id",
            "HTTPStatusCode": status,
            "HTTPHeaders": headers or {"content-type": "application/xml"},
            "RetryAttempts": 0,
        },
    }
    return bce.ClientError(response, operation)  # type: ignore[arg-type]


def assert_one_sentence(text: str) -> None:
    assert text, "empty message"
    assert "\n" not in text
    # Starts like a sentence: a capital, or a name such as s3://b/k or a host.
    first = text.split()[0]
    assert text[0].isupper() or not first.isalpha(), text
    assert text.rstrip()[-1] in ".!?", text
    # No second sentence: a full stop followed by a capitalised word.
    assert not re.search(r"[.!?]\s+[A-Z]", text), text


# -- credentials -----------------------------------------------------------------------
def test_invalid_access_key_is_auth_error() -> None:
    exc = client_error(
        "InvalidAccessKeyId",
        "The AWS Access Key Id you provided does not exist in our records.",
        status=403,
        AWSAccessKeyId=ACCESS_KEY,
    )
    err = translate(exc, bucket="photos")
    assert type(err) is AuthError
    assert err.fatal
    assert err.code == "InvalidAccessKeyId"
    assert "access key" in err.message
    assert_one_sentence(user_message(exc))


def test_signature_mismatch_never_echoes_the_signing_material() -> None:
    exc = client_error(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        status=403,
        AWSAccessKeyId=ACCESS_KEY,
        StringToSign=f"AWS4-HMAC-SHA256\n20240101T000000Z\n{SECRET}",
        SignatureProvided="abcdef0123456789",
        CanonicalRequest=f"GET\n/\n\nhost:s3\nx-secret:{SECRET}",
    )
    err = translate(exc)
    assert isinstance(err, SignatureMismatch)
    assert isinstance(err, AuthError)
    assert err.fatal
    assert "secret" in err.message.lower()
    assert SECRET not in err.message
    assert "abcdef0123456789" not in err.message
    assert_one_sentence(err.message)


@pytest.mark.parametrize("code", ["ExpiredToken", "InvalidToken", "TokenRefreshRequired"])
def test_expired_session_token(code: str) -> None:
    err = translate(client_error(code, "The provided token has expired.", status=400))
    assert isinstance(err, CredentialsExpired)
    assert_one_sentence(err.message)


# -- clock skew ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("request_time", "server_time", "expected_offset", "wording"),
    [
        # AWS sends RequestTime in the SigV4 basic format and ServerTime in ISO 8601.
        ("20240102T032405Z", "2024-01-02T03:04:05Z", 1200.0, "20 minutes ahead of"),
        ("20240102T024405Z", "2024-01-02T03:04:05Z", -1200.0, "20 minutes behind"),
        ("2024-01-02T03:24:05.000Z", "20240102T030405Z", 1200.0, "20 minutes ahead of"),
        ("2024-01-02T05:04:05+00:00", "2024-01-02T03:04:05Z", 7200.0, "2 hours ahead of"),
        ("20240102T030504Z", "2024-01-02T03:04:05Z", 59.0, "59 seconds ahead of"),
        ("20240102T030505Z", "2024-01-02T03:04:05Z", 60.0, "1 minute ahead of"),
    ],
)
def test_request_time_too_skewed_reports_the_offset(
    request_time: str, server_time: str, expected_offset: float, wording: str
) -> None:
    exc = client_error(
        "RequestTimeTooSkewed",
        "The difference between the request time and the current time is too large.",
        status=403,
        RequestTime=request_time,
        ServerTime=server_time,
        MaxAllowedSkewMilliseconds="900000",
    )
    err = translate(exc)
    assert isinstance(err, ClockSkewError)
    assert isinstance(err, AuthError)
    assert err.code == "RequestTimeTooSkewed"
    assert err.offset_seconds == pytest.approx(expected_offset)
    assert wording in err.message
    assert_one_sentence(err.message)


def test_naive_server_time_is_taken_as_utc() -> None:
    error = {"RequestTime": "20240102T032405Z", "ServerTime": "2024-01-02T03:04:05"}
    assert clock_offset_seconds(error) == pytest.approx(1200.0)


def test_skew_without_times_still_gives_a_clear_message() -> None:
    err = translate(client_error("RequestTimeTooSkewed", "too large", status=403))
    assert isinstance(err, ClockSkewError)
    assert err.offset_seconds is None
    assert "15 minutes" in err.message
    assert_one_sentence(err.message)


def test_skew_from_the_date_header_when_the_body_has_no_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SeaweedFS/MinIO answer without RequestTime/ServerTime but with a Date header."""
    server_now = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    local_now = server_now + dt.timedelta(minutes=-25)
    monkeypatch.setattr(
        botocore.auth,
        "get_current_datetime",
        lambda remove_tzinfo=True: local_now.replace(tzinfo=None) if remove_tzinfo else local_now,
    )
    exc = client_error(
        "RequestTimeTooSkewed",
        "The difference between the request time and the server's time is too large.",
        status=403,
        headers={"date": "Tue, 02 Jan 2024 03:04:05 GMT"},
    )
    err = translate(exc)
    assert isinstance(err, ClockSkewError)
    assert err.offset_seconds == pytest.approx(-1500.0)
    assert "25 minutes behind" in err.message


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (30, "30 seconds ahead of"),
        (-90, "2 minutes behind"),
        (60, "1 minute ahead of"),
        (16 * 60, "16 minutes ahead of"),
        (-3 * 3600, "3 hours behind"),
        (-119 * 60, "119 minutes behind"),
    ],
)
def test_describe_offset(seconds: float, text: str) -> None:
    assert describe_offset(seconds) == text


# -- not found, denied, acl, integrity, throttling -------------------------------------
def test_no_such_bucket_names_the_bucket() -> None:
    exc = client_error(
        "NoSuchBucket",
        "The specified bucket does not exist",
        status=404,
        operation="ListObjectsV2",
        BucketName="holiday-pics",
    )
    err = translate(exc)
    assert isinstance(err, BucketNotFound)
    assert isinstance(err, NotFound)
    assert err.fatal
    assert "holiday-pics" in err.message
    assert_one_sentence(err.message)


@pytest.mark.parametrize(
    ("code", "message", "status"),
    [
        ("NoSuchKey", "The specified key does not exist.", 404),
        # HeadObject has no body: botocore reports the status as the code.
        ("404", "Not Found", 404),
    ],
)
def test_missing_key(code: str, message: str, status: int) -> None:
    err = translate(
        client_error(code, message, status=status, operation="HeadObject"),
        bucket="b-1",
        key="dir/a b.jpg",
    )
    assert type(err) is NotFound
    assert "s3://b-1/dir/a b.jpg" in err.message
    assert not err.fatal
    assert_one_sentence(err.message)


def test_access_denied_is_not_fatal_and_names_the_object() -> None:
    err = translate(
        client_error("AccessDenied", "Access Denied", status=403), bucket="b-1", key="k.txt"
    )
    assert isinstance(err, AccessDenied)
    assert not err.fatal
    assert "s3://b-1/k.txt" in err.message
    assert_one_sentence(err.message)


def test_bare_403_is_access_denied() -> None:
    err = translate(client_error("403", "Forbidden", status=403, operation="HeadObject"))
    assert isinstance(err, AccessDenied)


def test_acl_not_supported_suggests_the_fix() -> None:
    exc = client_error(
        "AccessControlListNotSupported", "The bucket does not allow ACLs", status=400
    )
    err = translate(exc, bucket="owner-enforced")
    assert isinstance(err, AclNotSupported)
    assert "owner-enforced" in err.message
    assert "ACL" in err.message
    assert_one_sentence(err.message)


@pytest.mark.parametrize("code", ["BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch"])
def test_checksum_mismatch_is_integrity_error(code: str) -> None:
    exc = client_error(code, "The Content-MD5 you specified did not match what we received.")
    err = translate(exc, bucket="b-1", key="x.bin")
    assert isinstance(err, IntegrityError)
    assert "s3://b-1/x.bin" in err.message
    assert_one_sentence(err.message)


@pytest.mark.parametrize(
    ("code", "status"), [("SlowDown", 503), ("InternalError", 500), ("ServiceUnavailable", 503)]
)
def test_server_overload(code: str, status: int) -> None:
    err = translate(
        client_error(code, "Please reduce your request rate.", status=status),
        endpoint="https://s3.eu-west-1.amazonaws.com",
    )
    assert isinstance(err, ServerError)
    assert "s3.eu-west-1.amazonaws.com" in err.message
    assert code in err.message
    assert_one_sentence(err.message)


def test_unknown_code_keeps_the_server_message() -> None:
    err = translate(
        client_error("InvalidArgument", "Invalid argument.", status=400), bucket="b-1", key="k"
    )
    assert isinstance(err, ServerError)
    assert "Invalid argument" in err.message
    assert err.code == "InvalidArgument"


def test_invalid_bucket_name_is_config_error() -> None:
    err = translate(
        client_error("InvalidBucketName", "The specified bucket is not valid."), bucket="B_"
    )
    assert isinstance(err, ConfigError)
    assert "B_" in err.message


# -- connection and client-side errors -------------------------------------------------
def test_endpoint_connection_error_names_the_host() -> None:
    exc = bce.EndpointConnectionError(endpoint_url="http://127.0.0.1:9/bucket-1?list-type=2")
    err = translate(exc)
    assert isinstance(err, EndpointUnreachable)
    assert err.fatal
    assert err.host == "127.0.0.1:9"
    assert "127.0.0.1:9" in err.message
    assert_one_sentence(err.message)


def test_read_timeout_is_endpoint_unreachable() -> None:
    exc = bce.ReadTimeoutError(endpoint_url="https://minio.example.org:9000/b/k", error="timed out")
    err = translate(exc)
    assert isinstance(err, EndpointUnreachable)
    assert err.host == "minio.example.org:9000"
    assert "timed out" in err.message
    assert_one_sentence(err.message)


def test_connect_timeout_is_endpoint_unreachable() -> None:
    exc = bce.ConnectTimeoutError(endpoint_url="http://10.255.255.1:9000/")
    assert isinstance(translate(exc), EndpointUnreachable)


def test_no_credentials() -> None:
    err = translate(bce.NoCredentialsError())
    assert isinstance(err, MissingCredentials)
    assert err.fatal
    assert_one_sentence(err.message)


def test_partial_credentials() -> None:
    err = translate(bce.PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"))
    assert isinstance(err, MissingCredentials)
    assert_one_sentence(err.message)


def test_profile_not_found() -> None:
    err = translate(bce.ProfileNotFound(profile="work-sso"))
    assert isinstance(err, ConfigError)
    assert "work-sso" in err.message


def test_cancelled_error_from_s3transfer() -> None:
    from s3transfer.exceptions import CancelledError

    err = translate(CancelledError("cancelled by user"))
    assert isinstance(err, Cancelled)
    assert isinstance(translate(KeyboardInterrupt()), Cancelled)


# -- OS errors -------------------------------------------------------------------------
def test_file_not_found() -> None:
    exc = FileNotFoundError(errno.ENOENT, "No such file or directory", "/home/u/gone.jpg")
    err = translate(exc)
    assert isinstance(err, LocalFileError)
    assert err.code == "FileNotFound"
    assert "/home/u/gone.jpg" in err.message
    assert_one_sentence(err.message)


def test_permission_denied() -> None:
    err = translate(PermissionError(errno.EACCES, "Permission denied", "/root/secret.txt"))
    assert isinstance(err, LocalFileError)
    assert err.code == "PermissionDenied"
    assert "permission denied" in err.message
    assert_one_sentence(err.message)


def test_is_a_directory() -> None:
    err = translate(IsADirectoryError(errno.EISDIR, "Is a directory", "/tmp/folder"))
    assert isinstance(err, LocalFileError)
    assert err.code == "IsADirectory"
    assert_one_sentence(err.message)


def test_disk_full() -> None:
    err = translate(OSError(errno.ENOSPC, "No space left on device", "/mnt/usb/big.iso"))
    assert isinstance(err, LocalFileError)
    assert err.code == "DiskFull"
    assert "/mnt/usb/big.iso" in err.message
    assert_one_sentence(err.message)


def test_os_error_without_a_file_name_is_still_a_sentence() -> None:
    err = translate(FileNotFoundError(errno.ENOENT, "No such file or directory"))
    assert isinstance(err, LocalFileError)
    assert_one_sentence(err.message)


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"),
        ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
        TimeoutError("timed out"),
        socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
    ],
)
def test_network_os_errors_are_not_local_file_errors(exc: OSError) -> None:
    err = translate(exc, endpoint="http://127.0.0.1:8333")
    assert isinstance(err, EndpointUnreachable)
    assert err.host == "127.0.0.1:8333"
    assert_one_sentence(err.message)


# -- general properties ----------------------------------------------------------------
def test_app_errors_pass_through_unchanged() -> None:
    original = NotFound("x does not exist.", code="NoSuchKey")
    assert translate(original) is original
    assert user_message(original) == "x does not exist."


def test_unexpected_exception_is_wrapped() -> None:
    err = translate(ValueError("boom"))
    assert type(err) is AppError
    assert "ValueError" in err.message
    assert err.code == "ValueError"


def test_str_is_the_message() -> None:
    err = translate(client_error("AccessDenied", "Access Denied", status=403), bucket="b-1")
    assert str(err) == err.message


ALL_CASES: list[BaseException] = [
    client_error("InvalidAccessKeyId", SECRET, status=403, AWSAccessKeyId=ACCESS_KEY),
    client_error("SignatureDoesNotMatch", SECRET, status=403, StringToSign=SECRET),
    client_error("RequestTimeTooSkewed", SECRET, status=403),
    client_error("NoSuchBucket", SECRET, status=404, BucketName="b-1"),
    client_error("NoSuchKey", SECRET, status=404),
    client_error("AccessDenied", SECRET, status=403),
    client_error("AccessControlListNotSupported", SECRET),
    client_error("BadDigest", SECRET),
    client_error("SlowDown", SECRET, status=503),
    client_error("ExpiredToken", SECRET),
    bce.EndpointConnectionError(endpoint_url="http://127.0.0.1:9/"),
    bce.ReadTimeoutError(endpoint_url="http://127.0.0.1:9/", error=SECRET),
    bce.NoCredentialsError(),
    FileNotFoundError(errno.ENOENT, "No such file or directory", "/x/y.jpg"),
    PermissionError(errno.EACCES, "Permission denied", "/x/y.jpg"),
]


@pytest.mark.parametrize("exc", ALL_CASES, ids=lambda e: type(e).__name__)
def test_user_message_is_one_sentence_without_secrets(exc: BaseException) -> None:
    text = user_message(exc)
    assert_one_sentence(text)
    assert SECRET not in text
    assert SECRET not in repr(translate(exc))


# -- library text that can carry secrets ---------------------------------------------------
def _token_forms(token: str) -> list[str]:
    """Every way a token shows up in an exception's text: raw, stripped, escaped."""
    return [token, token.strip(), repr(token)[1:-1], repr(token.encode())[2:-1]]


def _http_client_error(token: str) -> BaseException:
    """The real error botocore raises when a header value holds a line break."""
    import boto3

    client = boto3.session.Session(
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET,
        aws_session_token=token,
        region_name="us-east-1",
    ).client("s3", endpoint_url="http://127.0.0.1:9")
    with pytest.raises(bce.BotoCoreError) as info:
        client.list_buckets()
    assert token.strip() in str(info.value)  # the library's text does carry it
    return info.value


def test_a_token_with_a_stray_carriage_return_is_never_echoed() -> None:
    import uuid

    token = f"IQoJb3JpZ2luX2VjE{uuid.uuid4().hex}/x+y=\r"  # never registered anywhere
    exc = _http_client_error(token)
    err = translate(exc, endpoint="http://127.0.0.1:9")
    assert isinstance(err, ConfigError)
    assert "line break" in err.message
    assert_one_sentence(err.message)
    for text in (err.message, user_message(exc), repr(err), str(err.args)):
        for form in _token_forms(token):
            assert form not in text


def test_unexpected_exception_text_is_not_echoed() -> None:
    token = "IQoJb3JpZ2luX2VjEBoaCXVzLWVhc3QtMSJHMEUCIQ"
    # http.client's own error, as the lean request path meets it (no botocore wrapper).
    err = translate(ValueError(f"Invalid header value b'{token}\\r'"))
    assert isinstance(err, ConfigError)
    assert token not in err.message
    # Any other library's text: shown only scrubbed.
    err = translate(ValueError(f"cannot send header {token} to the proxy\r\n"))
    assert type(err) is AppError
    assert "ValueError" in err.message
    assert token not in err.message
    assert_one_sentence(err.message)


def test_a_server_message_is_scrubbed_of_secrets() -> None:
    from s3uploader_gui.core.logsetup import register_secret

    token = "FwoGZXIvYXdzEKv//////////wEaDH0registered+token=\r"
    register_secret(token)
    unregistered = "AQoDYXdzEJr1K2n9Rk3lP0qVx7yQm4sTzW8uHcB5aNfGjL6oE1iD"
    err = translate(
        client_error(
            "InvalidArgument", f"Bad header x-amz-security-token: {token!r} {unregistered}"
        ),
        bucket="b-1",
        key="k",
    )
    assert isinstance(err, ServerError)
    assert "Bad header" in err.message
    for form in _token_forms(token):
        assert form not in err.message
    assert unregistered not in err.message


def test_a_parameter_report_does_not_echo_values() -> None:
    exc = bce.ParamValidationError(
        report=f"Invalid type for parameter SSECustomerKey, value: {SECRET}, type: <class 'int'>"
    )
    err = translate(exc)
    assert isinstance(err, ConfigError)
    assert "SSECustomerKey" in err.message
    assert SECRET not in err.message
