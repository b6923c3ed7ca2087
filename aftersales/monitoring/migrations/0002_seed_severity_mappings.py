"""Default severity mappings for every source: the usual words of common monitoring systems
(ITU-T X.733 / SNMP, Zabbix, Nagios/Icinga, Prometheus). Editable in the admin afterwards."""

from django.db import migrations

# monitoring severity → case severity (A system down … D no functional impact)
DEFAULTS = {
    # X.733 / most NMS
    "critical": "A",
    "major": "B",
    "minor": "C",
    "warning": "D",
    "indeterminate": "D",
    # Zabbix
    "disaster": "A",
    "high": "B",
    "average": "C",
    "information": "D",
    "not classified": "D",
    # syslog / Prometheus / Nagios
    "emergency": "A",
    "alert": "A",
    "error": "C",
    "info": "D",
    "down": "A",
    "unreachable": "B",
}


def seed(apps, schema_editor):
    SeverityMapping = apps.get_model("monitoring", "SeverityMapping")
    for word, severity in DEFAULTS.items():
        if not SeverityMapping.objects.filter(source__isnull=True, monitoring_severity=word).exists():
            SeverityMapping.objects.create(source=None, monitoring_severity=word, case_severity=severity)


def unseed(apps, schema_editor):
    SeverityMapping = apps.get_model("monitoring", "SeverityMapping")
    SeverityMapping.objects.filter(source__isnull=True, monitoring_severity__in=list(DEFAULTS)).delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
