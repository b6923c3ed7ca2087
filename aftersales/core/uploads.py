"""Checks on uploaded files: size, type and how they may be served back."""

from __future__ import annotations

import hashlib
import mimetypes
import re
from functools import wraps
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from aftersales.core.errors import StorageUnavailable

# Files Windows runs, installs, mounts or opens as a program when double-clicked: programs,
# scripts and script hosts, shortcuts, help files and disk images (which hide the rest).
FORBIDDEN_EXTENSIONS = frozenset(
    [
        "exe",
        "com",
        "bat",
        "cmd",
        "scr",
        "msi",
        "msp",
        "mst",
        "dll",
        "cpl",
        "pif",
        "lnk",
        "reg",
        "inf",
        "scf",
        "url",
        "website",
        "settingcontent-ms",
        "vb",
        "vbs",
        "vbe",
        "js",
        "jse",
        "ws",
        "wsf",
        "wsh",
        "wsc",
        "sct",
        "ps1",
        "ps1xml",
        "ps2",
        "ps2xml",
        "psc1",
        "psc2",
        "psd1",
        "psm1",
        "msh",
        "msh1",
        "msh2",
        "mshxml",
        "msh1xml",
        "msh2xml",
        "hta",
        "chm",
        "hlp",
        "msc",
        "gadget",
        "application",
        "appref-ms",
        "xbap",
        "jnlp",
        "jar",
        "apk",
        "appx",
        "appxbundle",
        "msix",
        "msixbundle",
        "iso",
        "img",
        "vhd",
        "vhdx",
        "udf",
        "library-ms",
        "sh",
        "bin",
        "run",
    ]
)
# Executable formats recognised by their first bytes, whatever the file is called.
_MAGIC = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"#!")
# Only these are ever shown inline in a browser; everything else is downloaded.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"})


# Windows ignores trailing dots and spaces: "run.bat." and "x.exe " are run as .bat and .exe.
_WINDOWS_IGNORED_TAIL = ". \t\r\n\u3000"
_UNSAFE_IN_NAMES = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
# Names that are only dots, ellipses or spaces ("..", "……") say nothing and mean "parent folder".
_MEANINGLESS_NAME = re.compile(r"[\s.\u2026\u22ef\u3002\uff0e_-]*")


def file_extension(name: str) -> str:
    """The extension Windows would act on: lower case, after trailing dots and spaces."""
    base = PurePath((name or "").replace("\\", "/")).name.rstrip(_WINDOWS_IGNORED_TAIL)
    return base.rsplit(".", 1)[-1].lower().strip() if "." in base else ""


def is_forbidden_name(name: str) -> bool:
    """Whether Windows would run, install or mount a file saved under `name`: its extension, after
    trailing dots and spaces, in FORBIDDEN_EXTENSIONS. Every part around a colon counts, since
    "x.exe::$DATA" (an NTFS stream) is saved as x.exe and "C:x.exe" names x.exe on drive C."""
    return any(file_extension(part) in FORBIDDEN_EXTENSIONS for part in (name or "").split(":"))


def safe_filename(name: str, *, fallback: str) -> str:
    """`name` without folders, control and reserved characters or trailing dots and spaces;
    `fallback` when nothing meaningful is left (no name, "..", "……")."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    # The name Windows would save: "x.exe::$DATA" is x.exe, "C:x.exe" is x.exe on drive C.
    parts = base.split(":")
    base = parts[1] if len(parts) > 1 and len(parts[0]) == 1 else parts[0]
    base = _UNSAFE_IN_NAMES.sub("_", base).strip().rstrip(_WINDOWS_IGNORED_TAIL)
    if _MEANINGLESS_NAME.fullmatch(base):
        return fallback
    if len(base) > 200:
        stem, dot, extension = base.rpartition(".")
        base = (stem[: 190 - len(extension)] + dot + extension) if dot and len(extension) < 10 else base[:200]
    return base


def check_upload(upload) -> str:
    """Validate an uploaded file; return its sha256. Raises ValidationError with a clear message."""
    limit = settings.ATTACHMENT_MAX_BYTES
    name = PurePath((upload.name or "").replace("\\", "/")).name
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s; files may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if is_forbidden_name(name):
        extension = next(e for e in map(file_extension, name.split(":")) if e in FORBIDDEN_EXTENSIONS)
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


# How long a browser is told to wait when the file store cannot be reached.
STORE_RETRY_AFTER_SECONDS = 30


def store_outage_page(view):
    """For a page that reads a stored file: when the file store cannot be reached, a 503 page
    saying so (with Retry-After) instead of a server error. The API answers 503 in its own
    error shape (aftersales/api/errors.py)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except StorageUnavailable as error:
            response = render(request, "503.html", {"message": error.message}, status=503)
            response["Retry-After"] = str(STORE_RETRY_AFTER_SECONDS)
            return response

    return wrapped
