"""A mailbox's IMAP password is stored encrypted (aftersales/core/secretbox.py): existing
passwords are sealed into the new column before the clear-text column goes."""

from django.db import migrations, models

import aftersales.inbox.models


def seal_passwords(apps, schema_editor):
    from aftersales.core.secretbox import seal

    Mailbox = apps.get_model("inbox", "Mailbox")
    for mailbox in Mailbox.objects.exclude(password=""):
        mailbox.password_sealed = seal(mailbox.password)
        mailbox.save(update_fields=["password_sealed"])


def unseal_passwords(apps, schema_editor):
    from aftersales.core.secretbox import open_sealed

    Mailbox = apps.get_model("inbox", "Mailbox")
    for mailbox in Mailbox.objects.exclude(password_sealed=""):
        mailbox.password = open_sealed(mailbox.password_sealed)
        mailbox.save(update_fields=["password"])


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0002_mail_intake_user"),
    ]

    operations = [
        migrations.AddField(
            model_name="mailbox",
            name="password_sealed",
            field=models.TextField(blank=True, editable=False, verbose_name="password (encrypted)"),
        ),
        migrations.RunPython(seal_passwords, unseal_passwords),
        migrations.RemoveField(
            model_name="mailbox",
            name="password",
        ),
        migrations.AlterField(
            model_name="mailbox",
            name="password_env",
            field=models.CharField(
                blank=True,
                help_text="Name of the environment variable holding the password, e.g. INBOX_SUPPORT_PASSWORD.",
                max_length=100,
                validators=[aftersales.inbox.models.validate_password_variable],
                verbose_name="password variable",
            ),
        ),
    ]
