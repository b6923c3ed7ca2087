"""A test kind of document about a Group (any model will do: the mechanism knows none)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from aftersales.documents import registry
from aftersales.documents.registry import DocumentKind

TEMPLATES = Path(__file__).parent / "templates"


def note_context(*, subject, audience):
    return {"audience": audience}


def failing_context(*, subject, audience):
    raise RuntimeError("the context could not be built: 数据缺失")


def _kind(name, template, build_context=note_context):
    return DocumentKind(
        name=name, model=Group, template=template, build_context=build_context, filename=lambda g: f"note-{g.pk}"
    )


@pytest.fixture(autouse=True)
def _test_kinds(settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEMPLATES]},
        *settings.TEMPLATES[1:],
    ]
    kinds = [
        _kind("note", "test_documents/note.html"),
        _kind("failing_context", "test_documents/note.html", failing_context),
        _kind("missing_template", "test_documents/no-such-template.html"),
        _kind("broken_template", "test_documents/broken.html"),
    ]
    for kind in kinds:
        registry.register_kind(kind)
    yield
    for kind in kinds:
        registry._KINDS.pop(kind.name, None)


@pytest.fixture
def subject(db):
    return Group.objects.create(name="华东区季度巡检报告")


@pytest.fixture
def other_subject(db):
    return Group.objects.create(name="另一个主题")
