"""The call-back requests are the case app's now (cases 0010): the model leaves the portal's
state; its table and rows stay, owned by cases.CallbackRequest."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("cases", "0010_callback_requests_from_the_portal"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="CallbackRequest")],
            database_operations=[],
        ),
    ]
