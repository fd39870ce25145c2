"""A wrong clock against a real SeaweedFS: RequestTimeTooSkewed becomes ClockSkewError."""

from __future__ import annotations

import datetime as dt

import botocore.auth
import botocore.exceptions as bce
import pytest

from s3uploader_gui.core.errors import ClockSkewError, translate, user_message
from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.s3.listing import list_page


def skew_signing_clock(monkeypatch: pytest.MonkeyPatch, offset: dt.timedelta) -> None:
    """Make botocore sign SigV4 requests as if this computer's clock were off by ``offset``.

    botocore/auth.py stamps X-Amz-Date from ``get_current_datetime()`` (imported from
    botocore.compat into botocore.auth), so that name in botocore.auth is the hook.
    """
    real = botocore.auth.get_current_datetime

    def skewed(remove_tzinfo: bool = True) -> dt.datetime:
        return real(remove_tzinfo) + offset  # type: ignore[no-any-return]

    monkeypatch.setattr(botocore.auth, "get_current_datetime", skewed)


@pytest.mark.parametrize(
    ("minutes", "wording"), [(20, "20 minutes ahead of"), (-20, "20 minutes behind")]
)
def test_clock_skew_is_reported_with_the_offset(
    seaweed_context: S3Context,
    seaweed_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
    minutes: int,
    wording: str,
) -> None:
    client = seaweed_context.client
    client.list_objects_v2(Bucket=seaweed_bucket)  # the right clock works
    skew_signing_clock(monkeypatch, dt.timedelta(minutes=minutes))

    with pytest.raises(bce.ClientError) as raw:
        client.list_objects_v2(Bucket=seaweed_bucket)
    assert raw.value.response["Error"]["Code"] == "RequestTimeTooSkewed"

    err = translate(raw.value)
    assert isinstance(err, ClockSkewError)
    assert err.offset_seconds is not None
    assert err.offset_seconds == pytest.approx(minutes * 60, abs=5)
    assert wording in err.message
    assert wording in user_message(raw.value)

    # The core's own calls raise it already translated.
    with pytest.raises(ClockSkewError) as core_err:
        list_page(client, seaweed_bucket)
    assert wording in core_err.value.message


def test_small_skew_is_accepted(
    seaweed_context: S3Context, seaweed_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    skew_signing_clock(monkeypatch, dt.timedelta(minutes=5))
    page = list_page(seaweed_context.client, seaweed_bucket)
    assert page.objects == []
