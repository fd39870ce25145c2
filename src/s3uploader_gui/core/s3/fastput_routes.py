"""The lean sender's routes: for each bucket, where its requests go (``routing.Place``),
the signer for that host and region, and the connections to that host; and botocore's
region redirect (a request turned away because the bucket lives elsewhere is sent once
more, signed for the bucket's region, which is then kept).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from s3uploader_gui.core.s3.http import Body, Connections, Prepare
from s3uploader_gui.core.s3.routing import Addressing, Place
from s3uploader_gui.core.s3.signing import Credentials, Signer

#: The SHA-256 of an empty body.
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

#: Status codes botocore's redirector treats as "the bucket is in another region".
_REDIRECT_STATUS = {301, 302, 307}


class RegionBook(Protocol):
    """Each bucket's region as the connection knows it (``S3Context``)."""

    def known_region(self, bucket: str) -> str | None: ...

    def remember_region(self, bucket: str, region: str) -> None: ...


@dataclass(frozen=True)
class Route:
    """One bucket's place, its signer and the connections to its host."""

    place: Place
    signer: Signer
    connections: Connections


class Routes:
    """The routes of one connection, made on first use and thread-safe."""

    def __init__(
        self,
        addressing: Addressing,
        region: str,
        credentials: Callable[[], Credentials],
        *,
        ca_file: str | None,
        connect_timeout: float,
        read_timeout: float,
        regions: RegionBook | None,
    ) -> None:
        self.addressing = addressing
        self.region = region
        self.credentials = credentials
        self.ca_file = ca_file
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.regions = regions
        self._routes_lock = threading.Lock()
        self._routes: dict[str, Route] = {}
        self._bucket_regions: dict[str, str] = {}
        self._signers: dict[tuple[str, str], Signer] = {}
        self._pools: dict[tuple[str, str, int], Connections] = {}
        # Raises ValueError now for an endpoint or region it cannot reach.
        self.home = addressing.place("bucket", region)
        self.https = self.home.https

    def serves(self, bucket: str) -> bool:
        """Whether ``bucket``'s requests can go this way: not an S3 Express directory
        bucket on AWS (its zonal endpoint and session authentication are botocore's)."""
        return not (self.addressing.endpoint is None and bucket.endswith("--x-s3"))

    def route(self, bucket: str) -> Route:
        """Where ``bucket``'s requests go now."""
        route = self._routes.get(bucket)
        if route is not None:
            return route
        region = self._bucket_regions.get(bucket)
        if region is None and self.addressing.endpoint is None and self.regions is not None:
            # On AWS the host is the region's: one the connection already found saves a
            # redirect. A custom endpoint signs with the connection's region, as botocore.
            region = self.regions.known_region(bucket)
        place = self.addressing.place(bucket, region or self.region)
        with self._routes_lock:
            signer = self._signers.get((place.region, place.host_header))
            if signer is None:
                signer = Signer(place.region, place.host_header, self.credentials)
                self._signers[(place.region, place.host_header)] = signer
            pool = self._pools.get((place.scheme, place.host, place.port))
            if pool is None:
                pool = Connections(
                    place.url,
                    place.host,
                    place.port,
                    https=place.https,
                    ca_file=self.ca_file,
                    connect_timeout=self.connect_timeout,
                    read_timeout=self.read_timeout,
                )
                self._pools[(place.scheme, place.host, place.port)] = pool
            route = self._routes.setdefault(bucket, Route(place, signer, pool))
        return route

    def exchange(
        self,
        method: str,
        operation: str,
        bucket: str,
        prepare_for: Callable[[Route], Prepare],
        body: Body | None,
        length: int,
    ) -> tuple[dict[str, str], bytes]:
        """One request for ``bucket`` (``prepare_for(route)`` signs it for the route),
        sent once more to the bucket's region when the server names another one."""
        route = self.route(bucket)
        try:
            return route.connections.exchange(method, operation, prepare_for(route), body, length)
        except Exception as exc:  # botocore's ClientError (the module loads only on errors)
            region = self._redirect_region(bucket, route, operation, exc)
            if region is None:
                raise
            self._move(bucket, region)
            if body is not None:
                body.seek(0)
            route = self.route(bucket)
            return route.connections.exchange(method, operation, prepare_for(route), body, length)

    def _redirect_region(
        self, bucket: str, route: Route, operation: str, exc: Exception
    ) -> str | None:
        """The region to send again to, when ``exc`` is botocore's "wrong region" case."""
        response: dict[str, Any] = getattr(exc, "response", None) or {}
        error = response.get("Error", {})
        code = str(error.get("Code", ""))
        meta = response.get("ResponseMetadata", {})
        headers = meta.get("HTTPHeaders", {})
        status = meta.get("HTTPStatusCode")
        wrong_region = (
            status in _REDIRECT_STATUS
            or code == "PermanentRedirect"
            or (code == "AuthorizationHeaderMalformed" and "Region" in error)
            or (code in ("301", "400") and operation == "HeadObject")
            or (
                code in ("301", "400")
                and operation == "HeadBucket"
                and "x-amz-bucket-region" in headers
            )
            or (code == "IllegalLocationConstraintException" and operation != "CreateBucket")
        )
        if not wrong_region:
            return None
        region = headers.get("x-amz-bucket-region") or error.get("Region")
        if not region and operation != "HeadBucket":
            region = self._asked_region(bucket)
        if not region or region == route.place.region:
            return None
        try:
            self.addressing.place(bucket, str(region))
        except ValueError:
            return None  # a partition the lean path does not know: the error stands
        return str(region)

    def _asked_region(self, bucket: str) -> str | None:
        """The region a HEAD of the bucket names (botocore asks so when an answer does not)."""
        route = self.route(bucket)
        path = route.place.prefix or "/"

        def prepare() -> tuple[bytes, bytes | None]:
            head = route.signer.head("HEAD", path, "", path, {}, 0, EMPTY_SHA256, with_length=False)
            return head, b""

        try:
            headers, _ = route.connections.exchange("HEAD", "HeadBucket", prepare, None, 0)
        except Exception as exc:
            response = getattr(exc, "response", None) or {}
            headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        region = headers.get("x-amz-bucket-region")
        return str(region) if region else None

    def _move(self, bucket: str, region: str) -> None:
        with self._routes_lock:
            self._bucket_regions[bucket] = region
            self._routes.pop(bucket, None)
        if self.regions is not None:
            self.regions.remember_region(bucket, region)

    def signer_for_home(self) -> Signer:
        """The signer for the endpoint's own host in the connection's region (tests)."""
        return Signer(self.home.region, self.home.host_header, self.credentials)

    def close(self) -> None:
        """Close every connection (call once the threads using them are done)."""
        with self._routes_lock:
            pools = list(self._pools.values())
        for pool in pools:
            pool.close()
