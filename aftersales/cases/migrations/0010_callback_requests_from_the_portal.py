"""The portal's call-back requests become the case app's (they are part of intake): the model
moves, the table stays where it is (`portal_callbackrequest`), and so do its rows; only the
model's state and its content type (permissions, admin log) change app."""

import aftersales.customers.models
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="callbackrequest").exists():
        ContentType.objects.filter(app_label=old, model="callbackrequest").update(app_label=new)


def move_content_type(apps, schema_editor):
    _relabel(apps, "portal", "cases")


def move_content_type_back(apps, schema_editor):
    _relabel(apps, "cases", "portal")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0009_case_events_on_the_timeline'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('portal', '0001_initial'),
        ('customers', '0001_initial'),
        ('installed_base', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CallbackRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('severity', models.CharField(choices=[('A', 'A · Critical (P1)'), ('B', 'B · Major (P2)'), ('C', 'C · Minor (P3)'), ('D', 'D · Cosmetic (P4)')], max_length=1, verbose_name='severity')),
                        ('phone', models.CharField(max_length=32, validators=[aftersales.customers.models.validate_phone], verbose_name='call back on')),
                        ('description', models.TextField(max_length=5000, verbose_name='description')),
                        ('requested_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='requested')),
                        ('handled_at', models.DateTimeField(blank=True, null=True, verbose_name='called back')),
                        ('contact', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='customers.contact', verbose_name='contact')),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='callback_requests', to='customers.customer', verbose_name='customer')),
                        ('equipment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='installed_base.equipment', verbose_name='equipment')),
                        ('handled_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='called back by')),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                    ],
                    options={
                        'verbose_name': 'call-back request',
                        'verbose_name_plural': 'call-back requests',
                        'db_table': 'portal_callbackrequest',
                        'ordering': ['severity', 'requested_at'],
                        'indexes': [models.Index(fields=['handled_at', 'severity', 'requested_at'], name='callback_pending_idx')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
