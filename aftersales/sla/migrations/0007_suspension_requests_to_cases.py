"""Suspension requests are the case app's now (cases 0011): the model leaves the service
levels' state; its table and rows stay, owned by cases.SuspensionRequest. The partial index of
the old reminder step goes: the reminder is an alarm of the deadlines mechanism (0008)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0006_clocks_and_escalations_on_deadlines"),
        ("cases", "0011_suspension_requests_from_sla"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="suspensionrequest", name="suspension_end_unreminded_idx"),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SuspensionRequest")],
            database_operations=[],
        ),
    ]
