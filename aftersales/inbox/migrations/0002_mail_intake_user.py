from django.db import migrations

USERNAME = "mail-intake"


def create_user(apps, schema_editor):
    """The account that opens cases and adds replies from e-mail: a hotline agent's rights
    (opening cases needs a case worker) and no password, so nobody can log in as it."""
    User = apps.get_model("accounts", "User")
    Group = apps.get_model("auth", "Group")
    user, created = User.objects.get_or_create(
        username=USERNAME,
        defaults={"display_name": "邮件收件 (mail intake)", "password": "!", "is_active": True},
    )
    group, _ = Group.objects.get_or_create(name="hotline")
    user.groups.add(group)


class Migration(migrations.Migration):
    dependencies = [("inbox", "0001_initial"), ("accounts", "0002_role_groups")]
    operations = [migrations.RunPython(create_user, migrations.RunPython.noop)]
