"""Attachments and generated files on S3-compatible object storage (MEDIA_STORAGE=s3), against a
real local server (moto's server mode, tests/core/s3server.py): uploads through the page and the
API land in the bucket, downloads come back byte-identical through the checked views, another
customer still gets a 404, and a store that fails or cannot be reached loses nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections import Counter

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from rest_framework.test import APIClient

from aftersales.cases import services
from aftersales.cases.documents import CASE_SUMMARY
from aftersales.cases.models import Attachment, Case, CaseEvent
from aftersales.core.errors import StorageUnavailable
from aftersales.core.objectstorage import ObjectStorage
from aftersales.documents.models import Document
from aftersales.documents.services import render_document, render_stale
from aftersales.env import ConfigError
from aftersales.field import models as field_models
from aftersales.field import services as field_services
from aftersales.inbox.fetch import fetch_mailbox, process_inbox
from aftersales.inbox.models import InboundMessage, Mailbox
from aftersales.notifications.delivery import deliver_due
from aftersales.notifications.models import Notification
from aftersales.settings import media_storage
from tests.documents.pdf import pdf_text
from tests.field.conftest import signature_png
from tests.inbox.conftest import MAIL_SETTINGS, build_mail_world, raw

pytestmark = [pytest.mark.s3, pytest.mark.django_db]

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40  # binary, with every byte value
UNAVAILABLE_ZH = "文件存储暂时无法访问"
FAILURES = ["unreachable", "failing", "refusing_writes"]
READ_FAILURES = ["unreachable", "failing"]  # a key that may not write still reads


@pytest.fixture
def staff(client, engineer):
    client.force_login(engineer)
    return client


def _api(user) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


def _comment(client, case, *files, text="见附件"):
    return client.post(
        reverse("case_comment", args=[case.number]), {"text": text, "attachments": list(files), "public": "on"}
    )


def _api_upload(user, case, *files):
    return _api(user).post(
        f"/api/v1/cases/{case.number}/attachments/", {"files": list(files), "public": "true"}, format="multipart"
    )


def _streamed(response) -> bytes:
    return b"".join(response.streaming_content)


def _nothing_written(before: dict[str, int]) -> bool:
    return before == {"events": CaseEvent.objects.count(), "attachments": Attachment.objects.count()}


def _counts() -> dict[str, int]:
    return {"events": CaseEvent.objects.count(), "attachments": Attachment.objects.count()}


# --- files go to the bucket and come back byte-identical ------------------------------------------


def test_a_file_uploaded_on_the_page_is_stored_in_the_bucket_and_downloads_byte_identical(
    staff, case_a, object_store, settings
):
    response = _comment(staff, case_a, SimpleUploadedFile("现场照片.png", PHOTO))

    assert response.status_code == 302, response.content
    attachment = Attachment.objects.get(case=case_a)
    assert object_store.objects() == {object_store.key(attachment.file.name): PHOTO}
    assert not (settings.MEDIA_ROOT.exists() and any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*")))

    download = staff.get(reverse("attachment", args=[attachment.pk, attachment.name]))
    assert download.status_code == 200
    assert _streamed(download) == PHOTO
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_file_uploaded_through_the_api_is_stored_in_the_bucket_and_downloads_byte_identical(
    case_a, engineer, object_store
):
    content = b"<html><script>alert(1)</script></html>"

    response = _api_upload(engineer, case_a, SimpleUploadedFile("report.html", content))

    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get(pk=response.json()[0]["id"])
    assert object_store.objects() == {object_store.key(attachment.file.name): content}
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()

    download = _api(engineer).get(response.json()[0]["url"])
    assert download.status_code == 200
    assert _streamed(download) == content
    # Still never shown inline: the store changes where bytes live, not how they are served.
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment")


def test_two_files_of_the_same_name_are_both_kept(staff, case_a, object_store):
    _comment(staff, case_a, SimpleUploadedFile("log.txt", b"first"))
    _comment(staff, case_a, SimpleUploadedFile("log.txt", b"second"))

    first, second = Attachment.objects.filter(case=case_a).order_by("pk")
    assert first.file.name != second.file.name
    assert sorted(object_store.objects().values()) == [b"first", b"second"]
    assert _streamed(staff.get(reverse("attachment", args=[first.pk, "log.txt"]))) == b"first"
    assert _streamed(staff.get(reverse("attachment", args=[second.pk, "log.txt"]))) == b"second"


def test_no_bucket_address_is_ever_handed_out(case_a, engineer, object_store):
    response = _api_upload(engineer, case_a, SimpleUploadedFile("说明.pdf", b"%PDF-1.4 test"))

    attachment = Attachment.objects.get(pk=response.json()[0]["id"])
    assert attachment.file.url.startswith("/media-not-served/")
    assert object_store.server.endpoint_url not in response.content.decode()
    assert object_store.bucket not in response.content.decode()
    assert object_store.bucket not in attachment.file.url


def test_the_size_and_type_checks_still_refuse_before_anything_is_stored(staff, case_a, object_store, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    before = _counts()

    too_big = _comment(staff, case_a, SimpleUploadedFile("抓包.pcap", b"x" * 1025))
    program = _comment(staff, case_a, SimpleUploadedFile("setup.exe", b"harmless"))

    assert (too_big.status_code, program.status_code) == (400, 400)
    assert _nothing_written(before)
    assert object_store.objects() == {}


# --- another customer -----------------------------------------------------------------------------


def test_another_customer_gets_404_for_a_file_in_the_bucket(client, case_a, engineer, contact_b, object_store):
    attachment = services.add_comment(
        case=case_a, by=engineer, text="", public=True, attachments=[SimpleUploadedFile("照片.png", PHOTO)]
    ).attachments.get()
    assert object_store.objects() == {object_store.key(attachment.file.name): PHOTO}

    client.force_login(contact_b)
    page = client.get(reverse("attachment", args=[attachment.pk, attachment.name]))
    api = _api(contact_b).get(f"/api/v1/cases/{case_a.number}/attachments/{attachment.pk}/")

    assert page.status_code == 404
    assert api.status_code == 404
    assert PHOTO not in page.content and PHOTO not in api.content


# --- generated PDFs -------------------------------------------------------------------------------


@pytest.fixture
def worker_immediate():
    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


def _print_summary(client, user, case, capture) -> Document:
    client.force_login(user)
    with capture(execute=True):
        response = client.post(reverse("case_summary", args=[case.number]))
    assert response.status_code == 302
    return Document.objects.filter(kind=CASE_SUMMARY).latest("pk")


def test_a_generated_pdf_is_stored_in_the_bucket_and_only_the_case_s_readers_get_it(
    client, case_a, engineer, contact_a, contact_b, object_store, worker_immediate, django_capture_on_commit_callbacks
):
    document = _print_summary(client, engineer, case_a, django_capture_on_commit_callbacks)

    assert document.status == Document.Status.READY, document.error
    stored = object_store.objects()
    assert list(stored) == [object_store.key(document.file.name)]
    pdf = stored[object_store.key(document.file.name)]
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == document.sha256
    assert case_a.number in pdf_text(pdf)

    download = client.get(reverse("case_document", args=[case_a.number, document.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert _streamed(download) == pdf

    client.force_login(contact_b)
    assert client.get(reverse("portal:case_document", args=[case_a.number, document.pk])).status_code == 404
    assert _api(contact_b).get(f"/api/v1/documents/{document.pk}/").status_code == 404


@pytest.mark.parametrize("failure", FAILURES)
def test_a_pdf_rendered_while_the_store_is_down_stays_pending_and_is_rendered_when_it_is_back(
    client, case_a, engineer, object_store, worker_immediate, django_capture_on_commit_callbacks, failure
):
    object_store.fail(failure)

    document = _print_summary(client, engineer, case_a, django_capture_on_commit_callbacks)

    assert document.status == Document.Status.PENDING
    assert document.error.startswith("StorageUnavailable")
    object_store.heal()
    assert object_store.objects() == {}
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)):
        assert render_stale() == 1
    document.refresh_from_db()
    assert document.status == Document.Status.READY and document.error == ""
    assert object_store.objects()[object_store.key(document.file.name)].startswith(b"%PDF")


# --- a store that fails or cannot be reached ------------------------------------------------------


@pytest.mark.parametrize("failure", FAILURES)
def test_an_upload_on_the_page_while_the_store_is_down_says_so_and_saves_nothing(staff, case_a, object_store, failure):
    object_store.fail(failure)
    before = _counts()

    response = _comment(staff, case_a, SimpleUploadedFile("现场照片.png", PHOTO), text="见附件照片")

    assert response.status_code == 400
    html = response.content.decode()
    assert UNAVAILABLE_ZH in html
    assert "见附件照片" in html  # the text typed is kept in the form
    assert _nothing_written(before)
    object_store.heal()
    assert object_store.objects() == {}


@pytest.mark.parametrize("failure", FAILURES)
def test_an_upload_through_the_api_while_the_store_is_down_is_a_503_and_saves_nothing(
    case_a, engineer, object_store, failure
):
    object_store.fail(failure)
    before = _counts()

    response = _api(engineer).post(
        f"/api/v1/cases/{case_a.number}/attachments/?lang=en",
        {"files": [SimpleUploadedFile("log.txt", b"trunk 3 down")]},
        format="multipart",
    )

    assert response.status_code == 503
    assert response.json() == {
        "code": "storage_unavailable",
        "message": "The file store cannot be reached just now. Nothing was changed; please try again in a moment.",
        "fields": {},
    }
    assert response["Retry-After"] == "30"
    assert _nothing_written(before)


@pytest.mark.parametrize("failure", READ_FAILURES)
def test_a_download_while_the_store_is_down_is_a_503_page_not_a_server_error(
    staff, case_a, engineer, object_store, failure
):
    attachment = services.add_comment(
        case=case_a, by=engineer, text="", public=True, attachments=[SimpleUploadedFile("log.txt", b"trunk")]
    ).attachments.get()
    object_store.fail(failure)

    page = staff.get(reverse("attachment", args=[attachment.pk, attachment.name]))
    api = _api(engineer).get(f"/api/v1/cases/{case_a.number}/attachments/{attachment.pk}/")

    assert page.status_code == 503 and page["Retry-After"] == "30"
    assert UNAVAILABLE_ZH in page.content.decode()
    assert api.status_code == 503 and api.json()["code"] == "storage_unavailable"
    object_store.heal()
    assert _streamed(staff.get(reverse("attachment", args=[attachment.pk, attachment.name]))) == b"trunk"


@pytest.mark.parametrize("failure", FAILURES)
def test_mail_arriving_while_the_store_is_down_stays_on_the_server_for_the_next_run(
    agent, customer_a, customer_b, object_store, settings, tmp_path, failure
):
    for name, value in MAIL_SETTINGS.items():
        setattr(settings, name, value)
    build_mail_world(agent, customer_a, customer_b)
    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1700000001.M1P1.host").write_bytes(raw("03_foxmail_new_gbk_encoded_filename.eml"))
    mailbox = Mailbox.objects.create(name="local", kind=Mailbox.Kind.MAILDIR, path=str(maildir))
    cases_before = Case.objects.count()
    object_store.fail(failure)

    assert process_inbox() == {"local": {"error": 1}}

    assert [p.name for p in (maildir / "new").iterdir()] == ["1700000001.M1P1.host"]  # unseen
    assert not InboundMessage.objects.exists()
    assert Case.objects.count() == cases_before
    mailbox.refresh_from_db()
    assert mailbox.last_error.startswith("StorageUnavailable")

    object_store.heal()
    assert fetch_mailbox(mailbox) == Counter({"opened_case": 1})

    assert [p.name for p in (maildir / "cur").iterdir()] == ["1700000001.M1P1.host:2,S"]
    attachment = Attachment.objects.get(name="故障截图.png")
    stored = object_store.objects()[object_store.key(attachment.file.name)]
    assert hashlib.sha256(stored).hexdigest() == attachment.sha256
    assert InboundMessage.objects.get().case == attachment.case


def _reported_visit(case, manager, engineer):
    """A visit completed and reported on, as the engineer's phone does it (tests/field)."""
    now = timezone.now()
    visit = field_services.dispatch_visit(
        case=case, by=manager, engineers=[engineer], planned_departure_at=now, purpose="更换中继板"
    )
    steps = [
        ("depart", {}),
        ("arrive", {}),
        ("confirm_symptom", {"confirmed_by": "王主任", "text": "外线全部不通"}),
        ("complete", {"text": "更换中继板 TN464F，拨测正常"}),
    ]
    for action, extra in steps:
        visit = field_services.move_visit(visit=visit, action=action, by=engineer, **extra)
    return field_services.submit_report(
        visit=visit,
        by=engineer,
        idempotency_key=uuid.uuid4(),
        kind=field_models.ReportKind.REPAIR,
        work_done="更换中继板 TN464F，恢复全部外线。",
        started_at=now - dt.timedelta(hours=1),
        finished_at=now - dt.timedelta(minutes=5),
        test_result=field_models.TestResult.PASSED,
        test_notes="拨测 20 次均正常",
        customer_signer="王主任",
        customer_signature=signature_png(),
        engineer_signature=signature_png(),
        materials=[],
        open_points=[],
    )


@pytest.mark.parametrize("failure", READ_FAILURES)
def test_a_report_mail_waits_while_the_store_is_down_and_goes_with_the_stored_pdf_after(
    case_a, manager, engineer, contact_a, object_store, failure
):
    contact = contact_a.contact
    contact.email = "wang@hospital-a.example"
    contact.save()
    Case.objects.filter(pk=case_a.pk).update(contact=contact)
    case_a.refresh_from_db()
    report = _reported_visit(case_a, manager, engineer)
    document = Document.objects.get(kind="service_report", audience="customer", subject_id=report.pk)
    render_document(document.pk)
    document.refresh_from_db()
    pdf = object_store.objects()[object_store.key(document.file.name)]
    object_store.fail(failure)
    mail.outbox.clear()

    deliver_due(now=timezone.now() + dt.timedelta(seconds=1))

    row = Notification.objects.get(kind="service_report")
    assert (row.status, row.attempts) == (Notification.Status.PENDING, 1)
    assert "attachment unreadable" in row.last_error
    assert not [m for m in mail.outbox if m.to == ["wang@hospital-a.example"]]

    object_store.heal()
    deliver_due(now=timezone.now() + dt.timedelta(minutes=5))

    (sent,) = [m for m in mail.outbox if m.to == ["wang@hospital-a.example"]]
    (_name, content, mimetype), *_ = sent.attachments
    assert (mimetype, content) == ("application/pdf", pdf)
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT


# --- configuration --------------------------------------------------------------------------------


def test_the_object_store_is_configured_from_the_environment(monkeypatch):
    from tests.core.conftest import s3_environment

    s3_environment(monkeypatch, endpoint_url="http://minio.internal:9000", bucket="aftersales-files")
    monkeypatch.setenv("S3_ADDRESSING_STYLE", "path")

    storage = ObjectStorage(**media_storage("s3")["OPTIONS"])

    assert media_storage("s3")["BACKEND"] == "aftersales.core.objectstorage.ObjectStorage"
    assert (storage.bucket_name, storage.endpoint_url, storage.location) == (
        "aftersales-files",
        "http://minio.internal:9000",
        "aftersales/media",
    )
    assert storage.file_overwrite is False and storage.default_acl is None
    assert storage.client_config.connect_timeout == 2
    assert storage.client_config.retries == {"max_attempts": 1, "mode": "standard"}
    assert media_storage("local") == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


@pytest.mark.parametrize(
    ("kind", "variables", "message"),
    [
        ("s3", {"S3_BUCKET": ""}, "MEDIA_STORAGE=s3 needs S3_BUCKET"),
        ("ftp", {}, "MEDIA_STORAGE='ftp' is neither 'local' nor 's3'"),
        ("s3", {"S3_BUCKET": "b", "S3_ADDRESSING_STYLE": "dns"}, "S3_ADDRESSING_STYLE='dns'"),
        ("s3", {"S3_BUCKET": "b", "S3_TIMEOUT": "ten"}, "S3_TIMEOUT='ten' is not an integer"),
    ],
)
def test_a_wrong_object_store_setting_fails_loudly(monkeypatch, kind, variables, message):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        media_storage(kind)


def test_a_failing_store_is_a_domain_error_not_a_library_traceback(object_store):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    object_store.fail("unreachable")

    with pytest.raises(StorageUnavailable) as raised:
        default_storage.save("attachments/x.txt", ContentFile(b"x"))
    assert raised.value.code == "storage_unavailable"
