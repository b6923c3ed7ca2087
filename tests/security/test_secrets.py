"""Secrets at rest: a mailbox's IMAP password is stored encrypted, never shown back in the
administration, read in clear only by the fetch; a password variable must be an INBOX_ one."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from aftersales.accounts.roles import Role
from aftersales.core.secretbox import UnreadableSecret, open_sealed, seal
from aftersales.inbox.models import Mailbox

PASSWORDS = ["s3cret-IMAP", "密码-中文-123", "with space and 'quotes\"", "pw-with-&<tags>"]


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(Role.ADMIN, username="admin", is_staff=True, is_superuser=True))
    return client


def _stored(mailbox: Mailbox) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT password_sealed FROM inbox_mailbox WHERE id = %s", [mailbox.pk])
        return cursor.fetchone()[0]


def _form(mailbox: Mailbox, **changes) -> dict:
    data = {
        "name": mailbox.name,
        "kind": mailbox.kind,
        "host": mailbox.host,
        "port": "",
        "security": mailbox.security,
        "username": mailbox.username,
        "new_password": "",
        "password_env": mailbox.password_env,
        "folder": mailbox.folder,
        "move_to": "",
        "path": "",
        "is_active": "on",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("password", PASSWORDS)
def test_the_password_is_stored_encrypted_and_read_in_clear_by_the_fetch(db, password):
    mailbox = Mailbox.objects.create(name="desk", host="imap.example.cn", username="desk", password=password)

    stored = _stored(mailbox)
    assert stored.startswith("fernet:") and password not in stored
    assert Mailbox.objects.get(pk=mailbox.pk).get_password() == password


@pytest.mark.parametrize("password", PASSWORDS)
def test_the_administration_never_shows_the_password(admin_client, password):
    mailbox = Mailbox.objects.create(name="desk", host="imap.example.cn", username="desk", password=password)

    page = admin_client.get(f"/admin/inbox/mailbox/{mailbox.pk}/change/").content.decode()

    assert password not in page and _stored(mailbox) not in page
    assert "已设置" in page  # "set"


def test_the_administration_sets_keeps_and_removes_the_password(admin_client):
    mailbox = Mailbox.objects.create(name="desk", host="imap.example.cn", username="desk")
    url = f"/admin/inbox/mailbox/{mailbox.pk}/change/"
    assert "未设置" in admin_client.get(url).content.decode()  # "not set"

    assert admin_client.post(url, _form(mailbox, new_password="Neu-Pass-1")).status_code == 302
    assert Mailbox.objects.get().get_password() == "Neu-Pass-1"

    assert admin_client.post(url, _form(mailbox)).status_code == 302
    assert Mailbox.objects.get().get_password() == "Neu-Pass-1", "an empty field keeps the password"

    assert admin_client.post(url, _form(mailbox, clear_password="on")).status_code == 302
    assert not Mailbox.objects.get().has_password


@pytest.mark.parametrize("variable", ["SECRET_KEY", "DATABASE_URL", "EMAIL_HOST_PASSWORD", "inbox_lower", "INBOX_"])
def test_only_inbox_variables_may_hold_a_mailbox_password(db, monkeypatch, variable):
    monkeypatch.setenv(variable, "the-site's-secret")
    mailbox = Mailbox(name="desk", host="imap.example.cn", username="desk", password_env=variable)

    with pytest.raises(ValidationError):
        mailbox.full_clean()
    with pytest.raises(ValidationError):
        mailbox.get_password()


def test_an_inbox_variable_is_read(db, monkeypatch):
    monkeypatch.setenv("INBOX_SUPPORT_PASSWORD", "from-env")
    mailbox = Mailbox(name="desk", host="imap.example.cn", username="desk", password_env="INBOX_SUPPORT_PASSWORD")
    mailbox.full_clean()
    assert mailbox.get_password() == "from-env"


def test_a_dedicated_key_and_former_keys(settings):
    settings.SECRETS_KEY = "first key"
    sealed = seal("pw")
    settings.SECRETS_KEY, settings.SECRETS_KEY_OLD = "second key", ["first key"]
    assert open_sealed(sealed) == "pw"
    settings.SECRETS_KEY_OLD = []
    with pytest.raises(UnreadableSecret):
        open_sealed(sealed)
    with pytest.raises(UnreadableSecret):
        open_sealed("plain text that was never sealed")


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_passwords():
    executor = MigrationExecutor(connection)
    executor.migrate([("inbox", "0002_mail_intake_user")])
    old_apps = executor.loader.project_state([("inbox", "0002_mail_intake_user")]).apps
    old = old_apps.get_model("inbox", "Mailbox").objects.create(
        name="legacy", host="imap.example.cn", username="desk", password="clear-legacy"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    mailbox = Mailbox.objects.get(pk=old.pk)
    assert "clear-legacy" not in _stored(mailbox)
    assert mailbox.get_password() == "clear-legacy"
