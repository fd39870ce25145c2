"""The requests of an upload batch, run on the engine's pool threads: the HEAD that finds a
conflict, a single PutObject, and the multipart steps (create or resume, parts, complete,
abort). Each checks what the server stored against what was sent."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from s3uploader_gui.core.cancel import CancelToken
from s3uploader_gui.core.errors import (
    AppError,
    IntegrityError,
    LocalFileError,
    NotFound,
    translate,
)
from s3uploader_gui.core.s3.client import S3Client
from s3uploader_gui.core.transfers.body import Body
from s3uploader_gui.core.transfers.checksums import (
    composite_crc32,
    crc32_b64,
    file_crc32,
    same_content,
)
from s3uploader_gui.core.transfers.hooks import install_hooks
from s3uploader_gui.core.transfers.model import ConflictPolicy, ObjectOptions
from s3uploader_gui.core.transfers.progress import TransferProgress
from s3uploader_gui.core.transfers.settings import EngineSettings, part_size_for
from s3uploader_gui.core.transfers.upload_state import Upload

if TYPE_CHECKING:  # the engine imports this module; fastput and the journal load with it
    from s3uploader_gui.core.s3.fastput import FastPut
    from s3uploader_gui.core.transfers.journal import Journal, JournalItem
    from s3uploader_gui.core.transfers.parts import EngineParts


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
        if self.policy == ConflictPolicy.SKIP_IDENTICAL:
            src = item.src or item.source
            head["_identical"] = int(head.get("ContentLength", -1)) == src.size and same_content(
                src.path, head, part_size_for(src.size, self.settings.multipart_chunksize)
            )
        return head

    def _args(self, item: Upload) -> dict[str, Any]:
        src = item.src or item.source
        args = self.options.extra_args(item.key, src.content_type)
        args.update(self.extra)
        return args

    def _t_put(self, item: Upload, _: int) -> str:
        src = item.src or item.source
        self.cancel.raise_if_cancelled()
        with open(src.path, "rb") as fh:
            data = fh.read()
        if len(data) != src.size:
            raise LocalFileError(f"{src.path} changed while it was being uploaded.")
        crc = crc32_b64(data)
        body = Body(data, None, 0, len(data), self._bytes(item), self.engine.limiter, self.cancel)
        args = self._args(item)
        headers = self.fast.headers_for(args) if self.fast is not None else None
        answer: Mapping[str, Any]
        try:
            if self.fast is not None and headers is not None and self.fast.can_send(len(data)):
                answer = self.fast.put_object(self.bucket, item.key, body, len(data), crc, headers)
            else:
                answer = self.client.put_object(
                    Bucket=self.bucket,
                    Key=item.key,
                    Body=body,  # type: ignore[arg-type]
                    ChecksumCRC32=crc,
                    **args,
                )
        except BaseException:
            body.rewind_progress()
            raise
        finally:
            body.close()
        return self._verify(item.key, answer, crc, data)

    def _bytes(self, item: Upload) -> Callable[[int], None]:
        progress, index = self.progress, item.index

        def report(n: int) -> None:
            progress.advance(index, n)

        return report

    def _verify(self, key: str, answer: Mapping[str, Any], crc: str, data: bytes | None) -> str:
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
        return "size"

    def _t_create(self, item: Upload, _: int) -> tuple[str, int, dict[int, tuple[str, str]]]:
        """Resume the journaled multipart upload if the server still has it, else create one."""
        assert item.journal is not None
        journaled = self.journal.get(item.journal.id)
        size = item.size
        if journaled is not None and journaled.upload_id and journaled.part_size:
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

    def _confirmed_parts(
        self, item: Upload, journaled: JournalItem
    ) -> dict[int, tuple[str, str]] | None:
        """Journaled parts the server still lists with the same ETag; None: upload gone."""
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
        confirmed: dict[int, tuple[str, str]] = {}
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
            confirmed[part.number] = (part.etag, part.checksum)
        return confirmed

    def _t_part(self, item: Upload, number: int) -> tuple[str, str]:
        src = item.src or item.source
        assert item.upload_id is not None and item.journal is not None
        self.cancel.raise_if_cancelled()
        offset = (number - 1) * item.part_size
        length = min(item.part_size, item.size - offset)
        data: bytes | None = None
        if length <= self.settings.buffer_limit:
            with open(src.path, "rb") as fh:
                fh.seek(offset)
                data = fh.read(length)
            if len(data) != length:
                raise LocalFileError(f"{src.path} changed while it was being uploaded.")
            crc = crc32_b64(data)
        else:
            crc = file_crc32(src.path, offset, length)
        body = Body(
            data, src.path, offset, length, self._bytes(item), self.engine.limiter, self.cancel
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
            self._verify(item.key, answer, crc, data)
        except IntegrityError:
            body.rewind_progress()
            raise
        etag = str(answer["ETag"])
        from s3uploader_gui.core.transfers.journal import JournalPart

        self.journal.add_part(item.journal.id, JournalPart(number, length, etag, crc))
        return etag, crc

    def _t_complete(self, item: Upload, _: int) -> str:
        assert item.upload_id is not None
        numbers = sorted(item.parts)
        if numbers != list(range(1, item.parts_total + 1)):
            raise IntegrityError(f"s3://{self.bucket}/{item.key}: parts are missing.")
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
        expected = composite_crc32([item.parts[n][1] for n in numbers])
        echoed = answer.get("ChecksumCRC32")
        if echoed:
            mine = expected.split("-")[0]
            if str(echoed).split("-")[0] != mine:
                raise IntegrityError(
                    f"s3://{self.bucket}/{item.key}: the server assembled different data "
                    f"(CRC32 {echoed}, expected {expected}).",
                    code="ChecksumMismatch",
                )
            return "CRC32"
        head: Mapping[str, Any] = (
            self.fast.head_object(self.bucket, item.key)
            if self.fast is not None
            else self.client.head_object(Bucket=self.bucket, Key=item.key)
        )
        if int(head.get("ContentLength", -1)) != item.size:
            raise IntegrityError(
                f"s3://{self.bucket}/{item.key}: the server holds "
                f"{head.get('ContentLength')} bytes, {item.size} were sent.",
                code="SizeMismatch",
            )
        return "CRC32 parts"

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
