"""Generated documents: request one (queued), render it in the worker, serve it.

Every document belongs to one subject (any model) and one registered kind; its versions
count 1, 2, … per subject, kind and audience. Rendering happens in the worker, never in a web
request; a failure is kept on the row with its reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from collections.abc import Iterable
from functools import partial
from typing import IO

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import Max, Model
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.core.errors import StorageUnavailable
from aftersales.core.uploads import safe_filename
from aftersales.documents.models import Audience, Document
from aftersales.documents.registry import DocumentError, get_kind
from aftersales.documents.rendering import recipient_locale, render_pdf

log = logging.getLogger(__name__)

# A document still pending after this long lost its queue message (worker or queue down):
# asking for it again queues it again rather than waiting for ever.
STALE_AFTER = dt.timedelta(minutes=5)
ERROR_MAX_CHARS = 2000


def request_document(*, kind: str, subject: Model, language: str, audience: str, by) -> Document:
    """Ask for a new version of `kind` about `subject`, written for `audience` in `language`.

    Guarantees: one transaction; the rendering is queued in the worker only once it commits;
    while a version for the same subject, kind, audience and language is still pending, asking
    again returns that one (a double-click makes no second version; a stale one is queued
    again). Raises DocumentError for an unknown kind, a subject of another model, an unknown
    language or audience. The caller has already checked that `by` may see `subject`.
    """
    definition = get_kind(kind)
    if not isinstance(subject, definition.model) or subject.pk is None:
        raise DocumentError(_("This document cannot be made for that object."))
    if language not in dict(settings.LANGUAGES):
        raise DocumentError(_("Unknown language: %(language)s") % {"language": language})
    if audience not in Audience.values:
        raise DocumentError(_("Unknown audience: %(audience)s") % {"audience": audience})
    subject_type = ContentType.objects.get_for_model(subject)
    try:
        with transaction.atomic():
            return _request_locked(definition.name, subject, subject_type, language, audience, by)
    except IntegrityError:
        # Another request for the same series won the race: its pending version is ours too.
        pending = _series(subject_type, subject.pk, kind, audience).filter(
            status=Document.Status.PENDING, language=language
        )
        document = pending.first()
        if document is None:
            raise
        return document


def _series(subject_type, subject_id, kind, audience):
    return Document.objects.filter(subject_type=subject_type, subject_id=subject_id, kind=kind, audience=audience)


def _request_locked(kind, subject, subject_type, language, audience, by) -> Document:
    # Requests about one subject queue up behind its row, so versions never collide. No ordering:
    # a subject ordered across a nullable relation would join it, and FOR UPDATE refuses that.
    list(type(subject)._default_manager.select_for_update().filter(pk=subject.pk).order_by().values_list("pk"))
    series = _series(subject_type, subject.pk, kind, audience)
    pending = series.filter(status=Document.Status.PENDING, language=language).first()
    if pending is not None:
        if pending.created_at < timezone.now() - STALE_AFTER:
            transaction.on_commit(partial(queue_rendering, pending.pk))
        return pending
    last = series.aggregate(last=Max("version"))["last"] or 0
    document = Document.objects.create(
        subject_type=subject_type,
        subject_id=subject.pk,
        kind=kind,
        audience=audience,
        language=language,
        version=last + 1,
        requested_by=by,
    )
    transaction.on_commit(partial(queue_rendering, document.pk))
    return document


def queue_rendering(document_id: int) -> None:
    """Hand the rendering to the worker; if the queue is down the row stays pending, and asking
    again (or the periodic sweep) queues it once more."""
    from aftersales.documents.tasks import render_document_task

    try:
        render_document_task(document_id)
    except Exception:
        log.warning("could not queue document %s; it stays pending", document_id, exc_info=True)


def render_document(document_id: int) -> Document | None:
    """Render a pending document (the worker's task body).

    Guarantees: the kind's template is rendered in the document's language and Beijing time,
    WeasyPrint makes the PDF (or the kind's `produce` makes its file), its SHA-256 is of exactly
    the stored bytes, and the row becomes ready; then the kind's `on_ready` runs. Any failure
    (template, context, WeasyPrint, storage) marks the row failed with the reason kept in `error`
    and logged; nothing is lost silently. A file store that cannot be reached leaves the row
    pending with the reason in `error`, so the periodic sweep (`render_stale`) renders it once
    the store is back. A document that is no longer pending (already rendered by another
    worker) is left as it is.
    """
    document = Document.objects.filter(pk=document_id).first()
    if document is None or document.status != Document.Status.PENDING:
        return document
    stored = ""
    try:
        with _produce(document) as body:
            sha256, size = _digest(body)
            stored = document.file.storage.save(_storage_name(document), File(body))
        done = _finish(document, status=Document.Status.READY, file=stored, sha256=sha256, size=size, error="")
    except StorageUnavailable as error:
        log.warning("document %s (%s v%s) stays pending: %s", document.pk, document.kind, document.version, error)
        Document.objects.filter(pk=document.pk, status=Document.Status.PENDING).update(
            error=f"{type(error).__name__}: {error}"[:ERROR_MAX_CHARS]
        )
        return Document.objects.get(pk=document.pk)
    except Exception as error:
        log.exception("document %s (%s v%s) failed to render", document.pk, document.kind, document.version)
        _discard(document, stored)
        _finish(document, status=Document.Status.FAILED, error=f"{type(error).__name__}: {error}"[:ERROR_MAX_CHARS])
        return Document.objects.get(pk=document.pk)
    if not done:
        _discard(document, stored)  # another worker finished first; keep its file
    document = Document.objects.get(pk=document.pk)
    on_ready = get_kind(document.kind).on_ready
    if done and on_ready is not None:
        try:
            on_ready(document)
        except Exception:  # the file is stored and downloadable; only the telling failed
            log.exception("document %s is ready but its on_ready hook failed", document.pk)
    return document


def _discard(document: Document, stored: str) -> None:
    """Delete a file no row points at; if the store refuses, it stays behind, unread."""
    if not stored:
        return
    try:
        document.file.storage.delete(stored)
    except StorageUnavailable:
        log.warning("document %s: unused file %s left in the file store", document.pk, stored)


def render_stale() -> int:
    """Render the documents pending for longer than STALE_AFTER (their queue message was lost);
    returns how many were tried. Idempotent: a finished one is left alone."""
    cutoff = timezone.now() - STALE_AFTER
    stale = list(
        Document.objects.filter(status=Document.Status.PENDING, created_at__lt=cutoff).values_list("pk", flat=True)[:50]
    )
    for document_id in stale:
        render_document(document_id)
    return len(stale)


def _produce(document: Document) -> IO[bytes]:
    """The document's file, open and rewound: the kind's own file, or the PDF of its template."""
    definition = get_kind(document.kind)
    if definition.produce is None:
        return io.BytesIO(_render(document))
    subject = definition.model._default_manager.get(pk=document.subject_id)
    with recipient_locale(document.language):
        return definition.produce(subject=subject, audience=document.audience)


def _digest(body: IO[bytes]) -> tuple[str, int]:
    """SHA-256 and size of the file, read in chunks; rewound afterwards for storing."""
    sha256, size = hashlib.sha256(), 0
    while chunk := body.read(1024 * 1024):
        sha256.update(chunk)
        size += len(chunk)
    body.seek(0)
    return sha256.hexdigest(), size


def _render(document: Document) -> bytes:
    definition = get_kind(document.kind)
    subject = definition.model._default_manager.get(pk=document.subject_id)
    with recipient_locale(document.language):
        context = definition.build_context(subject=subject, audience=document.audience)
        context = {**context, "document": document, "subject": subject}
    return render_pdf(template=definition.template, context=context, language=document.language)


def _storage_name(document: Document) -> str:
    # Not guessable from outside and never served by URL: only document_response reads it.
    now = timezone.now()
    extension = get_kind(document.kind).extension
    return f"documents/{now:%Y/%m}/{document.kind}-{document.pk}-v{document.version}.{extension}"


def _finish(document: Document, **fields) -> bool:
    """Compare-and-swap from pending: of two workers rendering one document, one result wins."""
    return bool(
        Document.objects.filter(pk=document.pk, status=Document.Status.PENDING).update(
            rendered_at=timezone.now(), **fields
        )
    )


def download_name(document: Document) -> str:
    """The file name a reader saves: the kind's name for the subject, the version, the extension
    (".pdf" unless the kind says otherwise)."""
    definition = get_kind(document.kind)
    subject = definition.model._default_manager.filter(pk=document.subject_id).first()
    stem = definition.filename(subject) if subject is not None else document.kind
    extension = definition.extension
    return safe_filename(f"{stem}-v{document.version}.{extension}", fallback=f"document-{document.pk}.{extension}")


def document_response(document: Document) -> FileResponse:
    """The file as a download: its kind's content type (`application/pdf` for a PDF),
    `Content-Disposition: attachment` with its name, never sniffed, sandboxed. 404 while it is
    pending or when it failed. The caller found `document` through the subject's visibility rule
    (see queries.get_visible_document)."""
    if document.status != Document.Status.READY or not document.file:
        raise Http404
    content_type = get_kind(document.kind).content_type
    response = FileResponse(
        document.file.open("rb"), as_attachment=True, filename=download_name(document), content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def discard_documents(documents: Iterable[Document]) -> int:
    """Delete documents and their stored files (an expired export, say); returns how many.
    A file already gone from storage is no error: the row goes anyway."""
    count = 0
    for document in documents:
        if document.file:
            document.file.storage.delete(document.file.name)
        document.delete()
        count += 1
    return count
