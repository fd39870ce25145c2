"""Fixtures for the core tests: moto buckets, fast seeding, a transfer engine."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from s3uploader_gui.core.s3.client import S3Context
from s3uploader_gui.core.transfers.engine import TransferEngine
from tests.conftest import unique_bucket

Seeder = Callable[[str, Iterable[str]], None]


@pytest.fixture
def moto_bucket(moto_client: Any) -> str:
    """A fresh bucket in the in-process moto (``moto_client``)."""
    name = unique_bucket()
    moto_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def seed(moto_client: Any) -> Seeder:
    """Put many small objects straight into moto's backend (the API costs ms per key)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]

    def put(bucket: str, keys: Iterable[str]) -> None:
        for key in keys:
            backend.put_object(bucket, key, key.encode())

    return put


@pytest.fixture
def http_bucket(moto_context: S3Context) -> str:
    """A fresh bucket on the moto HTTP server."""
    name = unique_bucket()
    moto_context.client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def engine(moto_context: S3Context) -> Iterator[TransferEngine]:
    eng = TransferEngine(moto_context)
    try:
        yield eng
    finally:
        eng.close()
