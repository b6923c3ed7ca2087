"""A case's files over the API: list, multipart upload with the pages' checks, safe download."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aftersales.cases import services
from aftersales.cases.models import Attachment, CaseEvent, EventKind

SAFE_HEADERS = ("Content-Type", "Content-Disposition", "X-Content-Type-Options", "Content-Security-Policy")


def _file(name: str, content: bytes = b"trunk 3 down") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def _upload(api, persona, case, files, **fields):
    return api(persona, **fields.pop("headers", {})).post(
        f"/api/v1/cases/{case.number}/attachments/", {"files": files, **fields}, format="multipart"
    )


def _attach(case, by, name, content=b"trunk 3 down", public=True) -> Attachment:
    event = services.add_comment(case=case, by=by, text="", public=public, attachments=[_file(name, content)])
    return event.attachments.get()


def _download(api, persona, case, attachment, **headers):
    return api(persona, **headers).get(f"/api/v1/cases/{case.number}/attachments/{attachment.pk}/")


def _stored(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- upload -----------------------------------------------------------------------------


def test_engineer_uploads_two_files_in_one_internal_entry(api, case_a, engineer):
    response = _upload(
        api, "engineer", case_a, [_file("告警截图.png", b"\x89PNG..."), _file("log.txt")], text="现场日志"
    )

    assert response.status_code == 201, response.content
    rows = response.json()
    assert [row["name"] for row in rows] == ["告警截图.png", "log.txt"]
    assert {row["is_public"] for row in rows} == {False}
    assert rows[0]["content_type"] == "image/png" and rows[1]["size"] == len(b"trunk 3 down")
    event = CaseEvent.objects.get(pk=rows[0]["event"])
    assert (event.kind, event.text, event.actor) == (EventKind.NOTE, "现场日志", engineer)
    assert rows[1]["url"].endswith(f"/api/v1/cases/{case_a.number}/attachments/{rows[1]['id']}/")
    assert Attachment.objects.get(pk=rows[1]["id"]).file.read() == b"trunk 3 down"


def test_staff_may_upload_a_file_the_customer_sees(api, case_a):
    response = _upload(api, "agent", case_a, [_file("说明.pdf", b"%PDF-1.4")], public="true")
    assert response.status_code == 201
    assert response.json()[0]["is_public"] is True


def test_customer_file_goes_with_a_reply(api, case_a, contact_a):
    response = _upload(api, "contact_a", case_a, [_file("照片.jpg", b"\xff\xd8\xff")], text="还是黑屏")

    assert response.status_code == 201, response.content
    assert response.json()[0]["is_public"] is True
    assert CaseEvent.objects.get(pk=response.json()[0]["event"]).kind == EventKind.REPLY


def test_customer_cannot_upload_an_internal_file(api, case_a):
    response = _upload(api, "contact_a", case_a, [_file("x.txt")], public="false")
    assert response.status_code == 422
    assert not Attachment.objects.exists()


def test_read_only_staff_cannot_upload(api, case_a, sales):
    response = _upload(api, "sales", case_a, [_file("x.txt")])
    assert response.status_code == 422
    assert response.json()["code"] == "not_allowed"
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [("zh-hans", "不接受程序文件"), ("en", "program files (.exe) are not accepted")],
)
def test_one_program_file_refuses_the_whole_upload_with_a_field_error(api, case_a, settings, language, words):
    events = CaseEvent.objects.count()

    response = _upload(
        api,
        "engineer",
        case_a,
        [_file("log.txt"), _file("setup.exe", b"harmless by name only")],
        headers={"Accept-Language": language},
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["files.1"]
    assert words in body["fields"]["files.1"][0]
    assert (Attachment.objects.count(), CaseEvent.objects.count(), _stored(settings)) == (0, events, [])


def test_a_program_under_another_name_is_refused(api, case_a):
    response = _upload(api, "engineer", case_a, [_file("readme.txt", b"MZ\x90\x00 windows program")])
    assert response.status_code == 400
    assert "files.0" in response.json()["fields"]


@pytest.mark.parametrize(
    ("language", "words"), [("zh-hans", "单个文件不能超过 1.0"), ("en", "files may be at most 1.0")]
)
def test_an_oversized_file_is_refused_and_nothing_is_written(api, case_a, settings, language, words):
    settings.ATTACHMENT_MAX_BYTES = 1024

    response = _upload(api, "engineer", case_a, [_file("big.log", b"x" * 2048)], headers={"Accept-Language": language})

    assert response.status_code == 400
    assert words in response.json()["fields"]["files.0"][0]
    assert not Attachment.objects.exists() and _stored(settings) == []


def test_an_upload_without_files_names_the_field(api, case_a):
    response = api("engineer", **{"Accept-Language": "en"}).post(
        f"/api/v1/cases/{case_a.number}/attachments/", {"text": "忘了附件"}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"files": ["This field is required."]}


def test_an_empty_file_is_refused(api, case_a):
    response = _upload(api, "engineer", case_a, [_file("empty.txt", b"")], **{"headers": {"Accept-Language": "en"}})
    assert response.status_code == 400
    assert response.json()["fields"]["files.0"] == ["The submitted file is empty."]


def test_json_is_not_an_upload(api, case_a):
    response = api("engineer").post(f"/api/v1/cases/{case_a.number}/attachments/", {"files": []}, format="json")
    assert response.status_code == 415
    assert set(response.json()) == {"code", "message", "fields"}


def test_customer_cannot_upload_to_another_customers_case(api, case_b, settings):
    response = _upload(api, "contact_a", case_b, [_file("x.txt")])
    assert response.status_code == 404
    assert not Attachment.objects.exists() and _stored(settings) == []


# --- list -------------------------------------------------------------------------------


def test_customer_lists_only_the_files_they_may_see(api, case_a, engineer, contact_a):
    public = _attach(case_a, engineer, "给客户的报告.pdf", public=True)
    _attach(case_a, engineer, "内部排查.txt", public=False)

    staff = api("engineer").get(f"/api/v1/cases/{case_a.number}/attachments/").json()
    customer = api("contact_a").get(f"/api/v1/cases/{case_a.number}/attachments/").json()

    assert [row["name"] for row in staff] == ["给客户的报告.pdf", "内部排查.txt"]
    assert [row["id"] for row in customer] == [public.pk]


def test_customer_cannot_list_another_customers_files(api, case_b, engineer):
    _attach(case_b, engineer, "bank.txt")
    response = api("contact_a").get(f"/api/v1/cases/{case_b.number}/attachments/")
    assert response.status_code == 404
    assert "bank.txt" not in response.content.decode()


# --- download ---------------------------------------------------------------------------


def test_download_streams_the_file_with_a_utf8_name(api, case_a, engineer):
    attachment = _attach(case_a, engineer, "现场日志.log", "中继 3 告警".encode())

    response = _download(api, "engineer", case_a, attachment)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == "中继 3 告警".encode()
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''%E7%8E%B0%E5%9C%BA%E6%97%A5%E5%BF%97.log" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.html", b"<html><script>alert(1)</script></html>"),
        ("diagram.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("现场照片.png", b"\x89PNG not really"),
        ("报告.pdf", b"%PDF-1.4"),
        ("log.txt", b"plain"),
    ],
)
def test_download_sends_the_same_safe_headers_as_the_page(api, client, case_a, engineer, name, content):
    attachment = _attach(case_a, engineer, name, content)
    client.force_login(engineer)

    page = client.get(reverse("attachment", args=[attachment.pk, attachment.name]))
    response = _download(api, "engineer", case_a, attachment)

    assert response.status_code == page.status_code == 200
    assert {h: response[h] for h in SAFE_HEADERS} == {h: page[h] for h in SAFE_HEADERS}
    if name.endswith((".html", ".svg")):
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment")


def test_download_answers_whatever_the_client_accepts(api, case_a, engineer):
    attachment = _attach(case_a, engineer, "报告.pdf", b"%PDF-1.4")
    response = _download(api, "engineer", case_a, attachment, Accept="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_customer_downloads_a_visible_file_of_their_own_case(api, case_a, engineer):
    attachment = _attach(case_a, engineer, "报告.pdf", b"%PDF-1.4", public=True)
    response = _download(api, "contact_a", case_a, attachment)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4"


def _refused_without_the_file(response, secret: bytes) -> None:
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"
    assert secret not in response.content


def test_customer_never_gets_an_internal_file_of_their_own_case(api, case_a, engineer):
    attachment = _attach(case_a, engineer, "内部.txt", b"internal only", public=False)
    _refused_without_the_file(_download(api, "contact_a", case_a, attachment), b"internal only")


def test_customer_never_gets_another_customers_file(api, case_a, case_b, engineer):
    attachment = _attach(case_b, engineer, "bank.txt", b"bank secret", public=True)
    # Neither under B's case number nor smuggled under their own case's number.
    _refused_without_the_file(_download(api, "contact_a", case_b, attachment), b"bank secret")
    _refused_without_the_file(_download(api, "contact_a", case_a, attachment), b"bank secret")


def test_a_file_is_found_only_under_its_own_case(api, case_a, case_b, engineer):
    attachment = _attach(case_b, engineer, "bank.txt", b"bank secret")
    _refused_without_the_file(_download(api, "engineer", case_a, attachment), b"bank secret")
    assert _download(api, "engineer", case_b, attachment).status_code == 200


def test_download_needs_credentials(api, case_a, engineer):
    attachment = _attach(case_a, engineer, "报告.pdf", b"%PDF-1.4")
    response = _download(api, None, case_a, attachment)
    assert response.status_code == 401
    assert b"%PDF" not in response.content


# --- schema -----------------------------------------------------------------------------


def test_schema_describes_the_upload_as_multipart_and_the_download_as_binary(client, db):
    schema = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    files = schema["paths"]["/api/v1/cases/{number}/attachments/"]
    one = schema["paths"]["/api/v1/cases/{number}/attachments/{attachment_id}/"]["get"]

    upload = files["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]
    form = schema["components"]["schemas"][upload["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert form["properties"]["files"]["items"] == {"type": "string", "format": "binary"}
    assert form["required"] == ["files"]
    assert one["responses"]["200"]["content"] == {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
    }
    assert {p["name"]: p["schema"]["type"] for p in one["parameters"]}["attachment_id"] == "integer"
