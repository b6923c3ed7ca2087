"""Files Windows would run are refused in every upload path — page, portal, API and e-mail —
by the one check in aftersales/core/uploads.py, whatever trailing dots or spaces they carry."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from aftersales.accounts.roles import Role
from aftersales.cases.models import Attachment
from aftersales.inbox.services import ingest
from aftersales.portal.services import open_portal_case
from tests.factories import ContactFactory

NAMES = [
    "run.bat.",
    "x.exe ",
    "notes.vbs",
    "update.hta",
    "fix.ps1",
    "disk.iso",
    "help.chm",
    "link.url",
    "a.cmd. . ",
    "setup.EXE",
    "x.exe::$DATA",
    "C:tool.scr",
]


def _page(case, name, *, client, engineer, **_):
    client.force_login(engineer)
    client.post(reverse("case_comment", args=[case.number]), {"text": "见附件", "attachments": [_file(name)]})


def _portal(case, name, *, client, contact_user, **_):
    client.force_login(contact_user)
    client.post(reverse("portal:case_reply", args=[case.number]), {"text": "见附件", "attachments": [_file(name)]})


def _api(case, name, *, engineer, **_):
    api = APIClient()
    api.force_login(engineer)
    api.post(f"/api/v1/cases/{case.number}/attachments/", {"files": [_file(name)]}, format="multipart")


def _email(case, name, **_):
    boundary = "b0undary"
    raw = (
        "From: reporter@hospital-a.cn\r\nTo: service@aftersales.example.cn\r\n"
        f"Subject: [{case.number}] files\r\nMessage-ID: <upload.{abs(hash(name))}@hospital-a.cn>\r\n"
        f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee the file\r\n"
        f'--{boundary}\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="{name}"'
        f"\r\n\r\nharmless by name only\r\n--{boundary}--\r\n"
    ).encode()
    result = ingest(raw)
    assert result.message.case == case, result.message.reason  # the message itself is kept


def _file(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"harmless by name only")


PATHS = pytest.mark.parametrize("path", [_page, _portal, _api, _email], ids=["page", "portal", "api", "email"])


@pytest.fixture
def reporter(make_user, customer_a, settings):
    settings.MAIL_DOMAIN = "aftersales.example.cn"
    settings.DEFAULT_FROM_EMAIL = "service@aftersales.example.cn"
    user = make_user(Role.CUSTOMER, username="reporter", email="reporter@hospital-a.cn")
    ContactFactory(customer=customer_a, user=user, name="报修人", email="reporter@hospital-a.cn")
    return user


@pytest.fixture
def reported_case(reporter, equipment_a):
    return open_portal_case(by=reporter, equipment=equipment_a, title="分机无法外呼", description="三楼", severity="D")


@pytest.mark.parametrize("name", NAMES)
@PATHS
def test_program_files_are_refused_in_every_upload_path(path, name, client, engineer, reporter, reported_case):
    path(reported_case, name, client=client, engineer=engineer, contact_user=reporter)

    assert not Attachment.objects.filter(case=reported_case).exists()


@PATHS
def test_every_upload_path_stores_an_ordinary_file(path, client, engineer, reporter, reported_case):
    path(reported_case, "log.txt", client=client, engineer=engineer, contact_user=reporter)

    assert list(Attachment.objects.filter(case=reported_case).values_list("name", flat=True)) == ["log.txt"]


@pytest.mark.parametrize("name", ["report.pdf", "故障截图.png", "log.txt", "readme.md"])
def test_ordinary_files_still_pass(name):
    from aftersales.core.uploads import check_upload

    assert len(check_upload(_file(name))) == 64
