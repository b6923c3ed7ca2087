"""Read side: a subject's documents, and one document found only through its subject.

The mechanism knows no visibility rule of its own: the caller passes the queryset of subjects
the user may see (e.g. `visible_cases(user)`) and the audiences the user may read. A document
of a subject outside that queryset is indistinguishable from one that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet
from django.http import Http404

from aftersales.core.subjects import subject_filter
from aftersales.documents.models import Document


def documents_of(subject: Model, *, audiences: Iterable[str], kind: str | None = None) -> QuerySet[Document]:
    """The documents about `subject` written for one of `audiences`, newest first."""
    documents = Document.objects.filter(**subject_filter(subject), audience__in=list(audiences))
    if kind is not None:
        documents = documents.filter(kind=kind)
    return documents.select_related("requested_by").order_by("-created_at", "-pk")


def visible_documents(subjects: QuerySet, *, audiences: Iterable[str]) -> QuerySet[Document]:
    """The documents of any subject in `subjects` (the caller's visibility rule), for `audiences`."""
    return Document.objects.filter(
        subject_type=ContentType.objects.get_for_model(subjects.model),
        subject_id__in=subjects.values("pk"),
        audience__in=list(audiences),
    )


def get_visible_document(subjects: QuerySet, pk, *, audiences: Iterable[str]) -> Document:
    """One document by id, or 404 when it does not exist, is about a subject outside
    `subjects`, or is written for an audience the user may not read — the same 404 each time."""
    try:
        return visible_documents(subjects, audiences=audiences).get(pk=int(pk))
    except (Document.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
