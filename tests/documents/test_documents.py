"""The documents mechanism: request, render in the worker, version, hash, serve, scope."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import threading

import pytest
from django.contrib.auth.models import Group
from django.http import Http404
from django.utils import timezone, translation
from huey.contrib.djhuey import HUEY

from aftersales.documents.models import Audience, Document
from aftersales.documents.queries import documents_of, get_visible_document
from aftersales.documents.registry import DocumentError
from aftersales.documents.rendering import page_counter_css, render_pdf
from aftersales.documents.services import (
    STALE_AFTER,
    document_response,
    render_document,
    render_stale,
    request_document,
)
from tests.documents.pdf import pdf_fonts, pdf_text, stored_bytes

TITLE = "华东区季度巡检报告"


def _request(subject, user=None, *, kind="note", language="zh-hans", audience=Audience.CUSTOMER):
    return request_document(kind=kind, subject=subject, language=language, audience=audience, by=user)


def _rendered(subject, **kwargs) -> Document:
    document = _request(subject, **kwargs)
    return render_document(document.pk)


@pytest.fixture
def worker_immediate():
    """Huey runs each task as it is queued, in this process (as the notification tests' worker)."""
    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


def test_pdf_embeds_a_cjk_font_and_holds_the_chinese_title(subject):
    document = _rendered(subject)
    data = stored_bytes(document)
    assert document.status == Document.Status.READY, document.error
    assert data.startswith(b"%PDF-")
    assert TITLE in pdf_text(data)
    # Without a CJK font the title would be missing glyphs and no Noto CJK font embedded.
    assert any("CJK" in name or "NotoSansSC" in name for name in pdf_fonts(data)), pdf_fonts(data)


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        ("zh-hans", ["案例摘要", "第 1 页 / 共 1 页"], "Case summary"),
        ("en", ["Case summary", "Page 1 of 1"], "案例摘要"),
    ],
)
def test_rendered_in_the_documents_language_with_page_numbers(subject, language, expected, absent):
    with translation.override("zh-hans" if language == "en" else "en"):  # the caller's language does not leak in
        text = pdf_text(stored_bytes(_rendered(subject, language=language)))
    for words in expected:
        assert words in text
    assert absent not in text


@pytest.mark.parametrize(
    ("language", "css"),
    [
        ("zh-hans", '"第 " counter(page) " 页 / 共 " counter(pages) " 页"'),
        ("en", '"Page " counter(page) " of " counter(pages)'),
    ],
)
def test_page_counter_follows_the_language(language, css):
    with translation.override(language):
        assert page_counter_css() == css


def test_versions_count_up_and_the_hash_is_of_the_stored_bytes(subject, other_subject):
    first, second = _rendered(subject), _rendered(subject)
    elsewhere = _rendered(other_subject)
    staff_copy = _rendered(subject, audience=Audience.STAFF)
    assert (first.version, second.version, elsewhere.version, staff_copy.version) == (1, 2, 1, 1)
    for document in (first, second, elsewhere, staff_copy):
        data = stored_bytes(document)
        assert document.sha256 == hashlib.sha256(data).hexdigest()
        assert document.size == len(data)
    assert first.file.name != second.file.name


def test_a_double_click_makes_no_second_pending_version(subject):
    first = _request(subject)
    again = _request(subject)
    english = _request(subject, language="en")
    assert again.pk == first.pk
    assert english.pk != first.pk and english.version == 2
    assert Document.objects.filter(status=Document.Status.PENDING).count() == 2
    render_document(first.pk)
    assert _request(subject).version == 3  # once ready, asking again makes a new version


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("failing_context", "数据缺失"),
        ("missing_template", "TemplateDoesNotExist"),
        ("broken_template", "TemplateSyntaxError"),
    ],
)
def test_a_failing_render_is_recorded_on_the_row(subject, kind, error):
    document = _rendered(subject, kind=kind)
    assert document.status == Document.Status.FAILED
    assert error in document.error
    assert not document.file and not document.sha256
    with pytest.raises(Http404):
        document_response(document)


def test_a_subject_deleted_before_rendering_fails_visibly(subject):
    document = _request(subject)
    Group.objects.filter(pk=subject.pk).delete()
    assert render_document(document.pk).status == Document.Status.FAILED
    assert "DoesNotExist" in Document.objects.get(pk=document.pk).error


def test_a_rendered_document_is_not_rendered_again(subject):
    document = _rendered(subject)
    again = render_document(document.pk)
    assert (again.sha256, again.file.name) == (document.sha256, document.file.name)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"kind": "no_such_kind"}, "no_such_kind"),
        ({"language": "fr"}, "fr"),
        ({"audience": "everyone"}, "everyone"),
    ],
)
def test_requests_that_cannot_be_made_are_domain_errors(subject, arguments, message):
    with pytest.raises(DocumentError, match=message):
        _request(subject, **arguments)
    assert not Document.objects.exists()


def test_a_subject_of_another_model_is_refused(subject, django_user_model):
    user = django_user_model.objects.create(username="someone")
    with pytest.raises(DocumentError):
        _request(user)


def test_the_worker_renders_what_was_requested_once_it_commits(
    subject, worker_immediate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document = _request(subject)
    assert Document.objects.get(pk=document.pk).status == Document.Status.PENDING  # not before the commit
    for callback in callbacks:
        callback()
    document.refresh_from_db()
    assert document.status == Document.Status.READY, document.error
    assert TITLE in pdf_text(stored_bytes(document))


def test_the_worker_records_a_failure(subject, worker_immediate, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = _request(subject, kind="failing_context")
    document.refresh_from_db()
    assert (document.status, "数据缺失" in document.error) == (Document.Status.FAILED, True)


def test_a_download_is_an_attachment_never_sniffed(subject):
    response = document_response(_rendered(subject))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"note-{subject.pk}-v1.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_pending_document_is_not_served(subject):
    with pytest.raises(Http404):
        document_response(_request(subject))


def test_documents_are_found_only_through_the_subjects_the_caller_may_see(subject, other_subject):
    mine = _rendered(subject)
    theirs = _rendered(other_subject)
    staff_only = _rendered(subject, audience=Audience.STAFF)
    visible = Group.objects.filter(pk=subject.pk)
    assert get_visible_document(visible, mine.pk, audiences=[Audience.CUSTOMER]) == mine
    for pk in (theirs.pk, staff_only.pk, 999999, "x"):
        with pytest.raises(Http404):
            get_visible_document(visible, pk, audiences=[Audience.CUSTOMER])
    with pytest.raises(Http404):
        get_visible_document(Group.objects.none(), mine.pk, audiences=[Audience.CUSTOMER, Audience.STAFF])
    assert list(documents_of(subject, audiences=[Audience.CUSTOMER])) == [mine]


@pytest.fixture
def css_server(tmp_path):
    """A real HTTP server on loopback serving the leaking stylesheet; it records every request."""
    (tmp_path / "leak.css").write_text('h1::after { content: "LEAKED"; }')
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, *args):
            requests.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/leak.css", requests
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("scheme", ["file", "http"])
def test_rendering_fetches_nothing_outside_the_document(tmp_path, css_server, scheme):
    http_url, requests = css_server
    url = (tmp_path / "leak.css").as_uri() if scheme == "file" else http_url
    pdf = render_pdf(template="test_documents/fetching.html", context={"css_url": url, "title": TITLE}, language="en")
    text = pdf_text(pdf)
    assert TITLE in text
    assert "LEAKED" not in text
    assert requests == []


def test_an_inline_data_stylesheet_still_applies():
    url = "data:text/css," + 'h1::after { content: "INLINE"; }'.replace(" ", "%20").replace('"', "%22")
    pdf = render_pdf(template="test_documents/fetching.html", context={"css_url": url, "title": TITLE}, language="en")
    assert "INLINE" in pdf_text(pdf)


def test_a_document_whose_queue_message_was_lost_is_rendered_later(subject, time_machine):
    document = _request(subject)
    assert render_stale() == 0  # still fresh: the worker has it
    time_machine.move_to(timezone.now() + STALE_AFTER + dt.timedelta(seconds=1))
    assert render_stale() == 1
    assert Document.objects.get(pk=document.pk).status == Document.Status.READY


def test_asking_again_for_a_stale_pending_document_queues_it_again(
    subject, time_machine, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as first:
        document = _request(subject)
    with django_capture_on_commit_callbacks() as fresh:
        assert _request(subject).pk == document.pk
    time_machine.move_to(timezone.now() + STALE_AFTER + dt.timedelta(seconds=1))
    with django_capture_on_commit_callbacks() as stale:
        assert _request(subject).pk == document.pk
    assert (len(first), len(fresh), len(stale)) == (1, 0, 1)
