"""Checks on uploaded files: size, type and how they may be served back."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

FORBIDDEN_EXTENSIONS = frozenset(
    [
        "exe",
        "com",
        "bat",
        "cmd",
        "scr",
        "msi",
        "msp",
        "dll",
        "cpl",
        "pif",
        "lnk",
        "reg",
        "vbs",
        "vbe",
        "js",
        "jse",
        "ws",
        "wsf",
        "wsh",
        "ps1",
        "psm1",
        "hta",
        "jar",
        "apk",
        "sh",
        "bin",
        "run",
    ]
)
# Executable formats recognised by their first bytes, whatever the file is called.
_MAGIC = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"#!")
# Only these are ever shown inline in a browser; everything else is downloaded.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"})


def check_upload(upload) -> str:
    """Validate an uploaded file; return its sha256. Raises ValidationError with a clear message."""
    limit = settings.ATTACHMENT_MAX_BYTES
    name = PurePath(upload.name or "").name
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s; files may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension in FORBIDDEN_EXTENSIONS:
        raise ValidationError(
            _("“%(name)s”: program files (.%(ext)s) are not accepted.") % {"name": name, "ext": extension},
            code="forbidden_type",
        )
    digest = hashlib.sha256()
    head = b""
    for chunk in upload.chunks():
        if not head:
            head = chunk[:8]
        digest.update(chunk)
    upload.seek(0)
    if head.startswith(_MAGIC):
        raise ValidationError(
            _("“%(name)s” looks like a program; program files are not accepted.") % {"name": name},
            code="forbidden_type",
        )
    return digest.hexdigest()


def guess_content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def is_inline_safe(content_type: str) -> bool:
    return content_type in INLINE_TYPES


def file_response(stored_file, *, name: str, content_type: str):
    """A stored upload, streamed safely: only images, PDF and plain text inline with their type;
    anything else (HTML, SVG …) as an octet-stream download; never sniffed; sandboxed; the name
    in Content-Disposition (as `filename*=utf-8''…` when it is not ASCII)."""
    from django.http import FileResponse

    inline = is_inline_safe(content_type)
    response = FileResponse(
        stored_file.open("rb"),
        as_attachment=not inline,
        filename=name,
        content_type=content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
