"""The requests of an upload batch, run on the engine's pool threads: the HEAD that finds a
conflict, a single PutObject, and the multipart steps (create or resume, parts, complete,
abort). Each checks what the server stored against what was sent."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import (
    AppError,
    Cancelled,
    IntegrityError,
    NotFound,
    translate,
)
from s3uploader_gui.core.s3.client import S3Client
from s3uploader_gui.core.transfers.body import Body
from s3uploader_gui.core.transfers.checksums import composite_crc32, crc32_b64, same_content
from s3uploader_gui.core.transfers.existing import ExistingKeys, Unordered
from s3uploader_gui.core.transfers.hooks import install_hooks
from s3uploader_gui.core.transfers.model import ConflictPolicy, ObjectOptions
from s3uploader_gui.core.transfers.progress import TransferProgress
from s3uploader_gui.core.transfers.settings import EngineSettings, part_size_for
from s3uploader_gui.core.transfers.source import SourceFile, changed
from s3uploader_gui.core.transfers.upload_state import Upload

if TYPE_CHECKING:  # the engine imports this module; fastput and the journal load with it
    from s3uploader_gui.core.s3.fastput import FastPut
    from s3uploader_gui.core.s3.listing_types import Page
    from s3uploader_gui.core.s3.steps import Steps
    from s3uploader_gui.core.transfers.existing_spans import Slice, Span
    from s3uploader_gui.core.transfers.journal import Journal, JournalItem
    from s3uploader_gui.core.transfers.parts import EngineParts

log = logging.getLogger(__name__)

#: A confirmed part: its ETag, its CRC32, and how the server confirmed it (see _verify).
Part = tuple[str, str, str]


class UploadRequests:
    """The requests of an upload batch: a base class of ``UploadRun``, which sets the
    attributes below."""

    engine: EngineParts
    settings: EngineSettings
    fast: FastPut | None
    journal: Journal
    bucket: str
    progress: TransferProgress
    cancel: CancelToken
    endpoint: str | None
    policy: ConflictPolicy
    options: ObjectOptions
    extra: dict[str, Any]
    existing: ExistingKeys | None
    condition: bool

    @property
    def client(self) -> S3Client:
        """botocore's client, made on first use (small files may never need it)."""
        client = self.engine.client
        install_hooks(client)
        return client

    def _err(self, exc: BaseException, key: str) -> AppError:
        return _translate(exc, bucket=self.bucket, key=key, endpoint=self.endpoint)

    # -- tasks (on the pool's threads) ------------------------------------------------------
    def _t_check(self, item: Upload, _: int) -> dict[str, Any] | None:
        try:
            if self.fast is not None:
                head: dict[str, Any] = self.fast.head_object(self.bucket, item.key)
            else:
                head = dict(
                    self.client.head_object(
                        Bucket=self.bucket, Key=item.key, ChecksumMode="ENABLED"
                    )
                )
        except Exception as exc:
            err = self._err(exc, item.key)
            if isinstance(err, NotFound):
                return None
            raise err from exc
        if item.taken or item.maybe_stored:
            head["_own"] = self._holds_what_was_sent(item, head)
        if self.policy == ConflictPolicy.SKIP_IDENTICAL:
            src = item.src or item.source
            head["_identical"] = int(head.get("ContentLength", -1)) == src.size and same_content(
                src.path, head, part_size_for(src.size, self.settings.multipart_chunksize)
            )
        return head

    def _holds_what_was_sent(self, item: Upload, head: dict[str, Any]) -> str:
        """How ``head`` shows the key holds exactly this item's bytes ("CRC32", "MD5"),
        or "". A conditional PUT refused after an attempt whose answer was lost (here or
        in a transport's own retry) finds its own object: that is a stored upload."""
        if int(head.get("ContentLength", -1)) != item.size:
            return ""
        data = self._source(item).read(0, item.size)
        if head.get("ChecksumCRC32") and head["ChecksumCRC32"] == crc32_b64(data):
            return "CRC32"
        etag = str(head.get("ETag", "")).strip('"')
        import hashlib

        if len(etag) == 32 and hashlib.md5(data, usedforsecurity=False).hexdigest() == etag:
            return "MD5"
        return ""

    def _t_list(self, planned: Slice) -> Span | None:
        """List what ``planned`` covers; None when the listing cannot be trusted or
        fails (every key then gets its HEAD)."""
        assert self.existing is not None
        # Loaded by the first listing: a batch that overwrites never lists.
        from s3uploader_gui.core.s3.listing_range import folder_page

        fast = self.fast
        client = None if fast is not None else self.client

        def page(prefix: str, after: str, token: str | None, size: int) -> Page:
            return folder_page(self.bucket, prefix, after, token, size, fast=fast, client=client)

        try:
            return self.existing.fetch(planned, page)
        except Unordered as exc:
            log.info("the server lists keys out of order (%s): each key gets a HEAD", exc)
            return None
        except Exception as exc:
            err = self._err(exc, planned.folder)
            if isinstance(err, Cancelled):
                raise err from exc
            log.info("listing s3://%s/%s failed, each key gets a HEAD: %s",
                     self.bucket, planned.folder, err.message)  # fmt: skip
            return None

    def _args(self, item: Upload) -> dict[str, Any]:
        src = item.src or item.source
        args = self.options.extra_args(item.key, src.content_type)
        args.update(self.extra)
        return args

    def _source(self, item: Upload) -> SourceFile:
        """The item's source, opened on first use (``fstat`` then is the reference every
        later check compares with); a size other than the one planned is a change."""
        if item.file is None:
            src = item.src or item.source
            name = item.source.path.name or str(item.source.path)
            opened = SourceFile(src.path, name, seen_regular=item.seen_regular)
            if opened.size != item.size:
                opened.close()
                raise changed(name)
            item.file = opened
        return item.file

    def _t_put(self, item: Upload, _: int) -> str:
        from s3uploader_gui.core.s3.steps import run_blocking

        return run_blocking(self._put_steps(item))

    def _put_steps(self, item: Upload) -> Steps[str]:
        """A single PutObject as steps: run by ``_t_put`` on a transfer thread, or by the
        engine's pipeline (``pipeline``), which sends the request itself (``steps``)."""
        # Loaded with the first upload, not with the window (it needs ``socket``).
        from s3uploader_gui.core.s3.steps import Blocking

        self.cancel.raise_if_cancelled()
        source = self._source(item)
        data = source.read(0, item.size)
        source.check()  # what was read is what the file held from the start
        crc = crc32_b64(data)
        body = Body(data, None, 0, len(data), self._bytes(item), self.engine.limiter, self.cancel)
        args = self._args(item)
        headers = self.fast.headers_for(args) if self.fast is not None else None
        answer: Mapping[str, Any]
        try:
            unless = item.unless_exists and self.condition
            if self.fast is not None and headers is not None and self.fast.can_send(len(data)):
                answer = yield self.fast.put_step(
                    self.bucket, item.key, body, len(data), crc, headers, if_none_match=unless
                )
            else:
                if unless:
                    args["IfNoneMatch"] = "*"

                def put() -> Mapping[str, Any]:
                    return self.client.put_object(
                        Bucket=self.bucket,
                        Key=item.key,
                        Body=body,  # type: ignore[arg-type]
                        ChecksumCRC32=crc,
                        **args,
                    )

                answer = yield Blocking(put)
        except BaseException:
            body.rewind_progress()
            raise
        finally:
            body.close()
        source.check()  # the file may have changed while the request was out
        try:
            check = self._verify(item.key, answer, crc, data)
            if not check:
                # Neither a checksum nor an MD5 ETag came back: ask what the server holds.
                yield Blocking(lambda: self._head_check(item.key, len(data)))
                check = "size"
        except IntegrityError:
            body.rewind_progress()  # a retry sends it all again
            raise
        return check

    def _bytes(self, item: Upload) -> Callable[[int], None]:
        progress, index = self.progress, item.index

        def report(n: int) -> None:
            progress.advance(index, n)

        return report

    def _verify(self, key: str, answer: Mapping[str, Any], crc: str, data: bytes | None) -> str:
        """How the answer confirms what was sent: "CRC32" (the server echoed the checksum
        it checked), "MD5" (the ETag), or "" when it confirms nothing."""
        echoed = answer.get("ChecksumCRC32")
        if echoed:
            if echoed != crc:
                raise IntegrityError(
                    f"s3://{self.bucket}/{key}: the server stored different data "
                    f"(CRC32 {echoed}, sent {crc}).",
                    code="ChecksumMismatch",
                )
            return "CRC32"
        etag = str(answer.get("ETag", "")).strip('"')
        if data is not None and len(etag) == 32 and "-" not in etag:
            import hashlib

            if hashlib.md5(data, usedforsecurity=False).hexdigest() != etag:
                raise IntegrityError(
                    f"s3://{self.bucket}/{key}: the server stored different data (MD5 ETag).",
                    code="ChecksumMismatch",
                )
            return "MD5"
        return ""

    def _head_check(self, key: str, size: int) -> Mapping[str, Any]:
        """HEAD the object just stored; IntegrityError unless it holds ``size`` bytes."""
        head: Mapping[str, Any] = (
            self.fast.head_object(self.bucket, key)
            if self.fast is not None
            else self.client.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        )
        held = int(head.get("ContentLength", -1))
        if held != size:
            raise IntegrityError(
                f"s3://{self.bucket}/{key}: the server holds {held} bytes, {size} were sent.",
                code="SizeMismatch",
            )
        return head

    def _t_create(self, item: Upload, _: int) -> tuple[str, int, dict[int, Part]]:
        """Resume the journaled multipart upload if the server still has it, else create one."""
        assert item.journal is not None
        source = self._source(item)  # before the first byte of any part
        journaled = self.journal.get(item.journal.id)
        size = item.size
        if journaled is not None and journaled.upload_id and journaled.part_size:
            if (journaled.size, journaled.mtime_ns) != (source.size, source.identity.mtime_ns):
                # Its parts were read from the file as it was then: not what it holds now.
                raise changed(source.name)
            confirmed = self._confirmed_parts(item, journaled)
            if confirmed is not None:
                return journaled.upload_id, journaled.part_size, confirmed
        part_size = part_size_for(size, self.settings.multipart_chunksize)
        args = self._args(item)
        headers = self.fast.headers_for(args) if self.fast is not None else None
        answer: Mapping[str, Any]
        if self.fast is not None and headers is not None:
            answer = self.fast.create_multipart_upload(self.bucket, item.key, headers)
        else:
            answer = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=item.key, ChecksumAlgorithm="CRC32", **args
            )
        upload_id = str(answer["UploadId"])
        self.journal.set_multipart(item.journal.id, upload_id, part_size, "CRC32")
        return upload_id, part_size, {}

    def _confirmed_parts(self, item: Upload, journaled: JournalItem) -> dict[int, Part] | None:
        """Journaled parts the server still lists with the same ETag (and, where it lists
        one, the same CRC32: then that is how the part is confirmed); None: upload gone."""
        assert journaled.upload_id is not None
        listed: dict[int, Mapping[str, Any]] = {}
        marker = 0
        try:
            while True:
                page = self.client.list_parts(
                    Bucket=self.bucket,
                    Key=journaled.key,
                    UploadId=journaled.upload_id,
                    PartNumberMarker=marker,
                )
                for listed_part in page.get("Parts", []):
                    listed[int(listed_part["PartNumber"])] = listed_part
                if not page.get("IsTruncated"):
                    break
                marker = int(page.get("NextPartNumberMarker", 0))
        except Exception as exc:
            err = self._err(exc, item.key)
            if isinstance(err, NotFound):
                self.journal.set_multipart(journaled.id, None, None, None)
                return None
            raise err from exc
        item.key = journaled.key
        confirmed: dict[int, Part] = {}
        for part in self.journal.parts(journaled.id):
            server = listed.get(part.number)
            if server is None:
                continue
            etag = str(server.get("ETag", "")).strip('"')
            if etag != part.etag.strip('"') or int(server.get("Size", -1)) != part.size:
                continue
            crc = server.get("ChecksumCRC32")
            if crc and crc != part.checksum:
                continue
            confirmed[part.number] = (part.etag, part.checksum, "CRC32" if crc else "")
        return confirmed

    def _t_part(self, item: Upload, number: int) -> Part:
        assert item.upload_id is not None and item.journal is not None
        self.cancel.raise_if_cancelled()
        source = self._source(item)
        offset = (number - 1) * item.part_size
        length = min(item.part_size, item.size - offset)
        data: bytes | None = None
        if length <= self.settings.buffer_limit:
            data = source.read(offset, length)
            crc = crc32_b64(data)
        else:
            crc = source.crc32(offset, length)  # the body streams the same range
        source.check()  # this part is what the file held when the upload started
        body = Body(
            data, source, offset, length, self._bytes(item), self.engine.limiter, self.cancel
        )
        answer: Mapping[str, Any]
        try:
            if self.fast is not None and self.fast.can_send(length):
                answer = self.fast.upload_part(
                    self.bucket, item.key, item.upload_id, number, body, length, crc
                )
            else:
                answer = self.client.upload_part(
                    Bucket=self.bucket,
                    Key=item.key,
                    UploadId=item.upload_id,
                    PartNumber=number,
                    Body=body,  # type: ignore[arg-type]
                    ChecksumCRC32=crc,
                )
        except BaseException:
            body.rewind_progress()
            raise
        finally:
            body.close()
        try:
            check = self._verify(item.key, answer, crc, data)
        except IntegrityError:
            body.rewind_progress()
            raise
        etag = str(answer["ETag"])
        from s3uploader_gui.core.transfers.journal import JournalPart

        self.journal.add_part(item.journal.id, JournalPart(number, length, etag, crc))
        return etag, crc, check

    def _t_complete(self, item: Upload, _: int) -> str:
        assert item.upload_id is not None
        numbers = sorted(item.parts)
        if numbers != list(range(1, item.parts_total + 1)):
            raise IntegrityError(f"s3://{self.bucket}/{item.key}: parts are missing.")
        # Every part was read from the file as it was at the start, or this fails (and
        # the upload is aborted): a mix of old and new bytes is never assembled.
        self._source(item).check()
        answer: Mapping[str, Any]
        if self.fast is not None:
            answer = self.fast.complete_multipart_upload(
                self.bucket, item.key, item.upload_id, [(n, *item.parts[n]) for n in numbers]
            )
        else:
            parts = [
                {"PartNumber": n, "ETag": item.parts[n][0], "ChecksumCRC32": item.parts[n][1]}
                for n in numbers
            ]
            answer = self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=item.key,
                UploadId=item.upload_id,
                MultipartUpload={"Parts": parts},  # type: ignore[typeddict-item]
            )
        expected = composite_crc32([item.parts[n][1] for n in numbers]).split("-")[0]
        echoed = answer.get("ChecksumCRC32")
        if echoed:
            self._same_composite(item.key, str(echoed), expected)
            return "CRC32"
        # The answer confirms nothing: ask what the server holds.
        head = self._head_check(item.key, item.size)
        held = str(head.get("ChecksumCRC32") or "")
        kind = str(head.get("ChecksumType") or "").upper()
        if held and ("-" in held or kind == "COMPOSITE"):
            self._same_composite(item.key, held, expected)
            return "CRC32"
        if held == expected and kind != "FULL_OBJECT":
            return "CRC32"  # the composite without its "-N" (moto); else it says nothing
        checks = {item.part_checks.get(n, "") for n in numbers}
        if checks == {"CRC32"}:
            return "CRC32 parts"  # each part's checksum confirmed, and the size
        if checks <= {"CRC32", "MD5"}:
            return "MD5 parts" if checks == {"MD5"} else "CRC32/MD5 parts"
        return "size"

    def _same_composite(self, key: str, held: str, expected: str) -> None:
        if held.split("-")[0] != expected:
            raise IntegrityError(
                f"s3://{self.bucket}/{key}: the server assembled different data "
                f"(CRC32 {held}, expected {expected}).",
                code="ChecksumMismatch",
            )

    def _t_abort(self, item: Upload, _: int) -> None:
        if item.upload_id:
            try:
                if self.fast is not None:
                    self.fast.abort_multipart_upload(self.bucket, item.key, item.upload_id)
                else:
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=item.key, UploadId=item.upload_id
                    )
            except Exception as exc:
                err = self._err(exc, item.key)
                if not isinstance(err, NotFound):
                    raise err from exc


def _translate(exc: BaseException, *, bucket: str, key: str, endpoint: str | None) -> AppError:
    """``errors.translate``, seeing through botocore's wrapping of our own errors."""
    inner = getattr(exc, "kwargs", {}).get("error") if isinstance(exc, Exception) else None
    if isinstance(inner, AppError):
        return inner
    return translate(exc, bucket=bucket, key=key, endpoint=endpoint)
