"""Reading generated PDFs back: text and the fonts the pages embed (pypdf)."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def pdf_fonts(data: bytes) -> set[str]:
    """The BaseFont names of every font in the pages' resources, e.g. "ABCDEF+NotoSansCJKsc-Regular"."""
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        fonts = page.get("/Resources", {}).get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            names.add(str(ref.get_object().get("/BaseFont", "")))
    return names


def stored_bytes(document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()
