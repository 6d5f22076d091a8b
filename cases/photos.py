"""Photo checks: only real JPEG, PNG or WebP images up to 5 MB, judged by their bytes, not their name."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile, File

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 9
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


class PhotoRejected(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CheckedPhoto:
    content: ContentFile[bytes]
    content_type: str
    size: int


def sniff_image_type(head: bytes) -> str | None:
    """The MIME type the leading bytes prove, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_photo(upload: File[bytes] | bytes) -> CheckedPhoto:
    """Read the upload once, check size and type, and return a copy under a fresh, safe name."""
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        size = getattr(upload, "size", None)
        if size is not None and size > MAX_PHOTO_BYTES:
            raise PhotoRejected("photo_too_large", f"照片不能超过 {MAX_PHOTO_BYTES // (1024 * 1024)} MB。")
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(MAX_PHOTO_BYTES + 1)
    if not data:
        raise PhotoRejected("photo_empty", "照片文件是空的，请重新选择。")
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoRejected("photo_too_large", f"照片不能超过 {MAX_PHOTO_BYTES // (1024 * 1024)} MB。")
    content_type = sniff_image_type(data[:16])
    if content_type is None:
        raise PhotoRejected("photo_type", "只能上传 JPEG、PNG 或 WebP 格式的照片。")
    name = f"{uuid.uuid4().hex}.{EXTENSIONS[content_type]}"
    return CheckedPhoto(ContentFile(data, name=name), content_type, len(data))
