"""Service targets of R3.2 / R3.3 and the escalation rules of the fault-ticket discipline.

All rows are editable in the administration pages afterwards.
"""

from django.db import migrations

# severity, clock, minutes, calendar code, starts
TARGETS = [
    # A 重大: 7×24, on site 30 min, restored in 2 h, HQ engineer departs within 3 h if needed.
    ("A", "sign_off", 10, "7x24", "opening"),
    ("A", "response", 15, "7x24", "opening"),
    ("A", "first_contact", 15, "7x24", "opening"),
    ("A", "on_site", 30, "7x24", "opening"),
    ("A", "restore", 120, "7x24", "opening"),
    ("A", "depart", 180, "7x24", "request"),
    ("A", "progress", 30, "7x24", "opening"),
    ("A", "fault_report", 2 * 24 * 60, "5x24", "resolution"),  # two working days
    # B 严重: 7×24, on site 30 min, restored in 4 h, departs within 6 h.
    ("B", "sign_off", 10, "7x24", "opening"),
    ("B", "response", 15, "7x24", "opening"),
    ("B", "first_contact", 15, "7x24", "opening"),
    ("B", "on_site", 30, "7x24", "opening"),
    ("B", "restore", 240, "7x24", "opening"),
    ("B", "depart", 360, "7x24", "request"),
    ("B", "progress", 30, "7x24", "opening"),
    ("B", "fault_report", 2 * 24 * 60, "5x24", "resolution"),
    # C 一般: 5×24 service hours, reply in 6 h, depart within 24 h.
    ("C", "sign_off", 30, "5x24", "opening"),
    ("C", "response", 60, "5x24", "opening"),
    ("C", "reply", 6 * 60, "5x24", "opening"),
    ("C", "progress", 4 * 60, "5x24", "opening"),
    ("C", "depart", 24 * 60, "5x24", "request"),
    # D 轻微: 5×8 service hours, reply in 24 h, depart within 48 h.
    ("D", "sign_off", 60, "5x8", "opening"),
    ("D", "response", 120, "5x8", "opening"),
    ("D", "reply", 24 * 60, "5x8", "opening"),
    ("D", "depart", 48 * 60, "5x8", "request"),
]

# name, trigger, clock, minutes, severities, role, owner, raise tier, channels
RULES = [
    ("严重等级 A 案例立即报告主管副总", "opening", "", 0, "A", "executive", False, False, "email,sms,im"),
    ("开单 10 分钟未签收 → 值班经理", "breached", "sign_off", 0, "ABCD", "duty_manager", False, False, "sms,im"),
    ("进展更新超时 → 负责人和值班经理", "breached", "progress", 0, "ABC", "duty_manager", True, False, "im"),
    ("恢复时限前 30 分钟提醒负责人", "before_due", "restore", 30, "AB", "", True, False, "sms,im"),
    ("120 分钟未解决 → 服务中心主任（升级）", "unresolved", "", 120, "AB", "centre_manager", True, True, "email,sms,im"),
    ("180 分钟未解决 → 主管副总", "unresolved", "", 180, "AB", "executive", False, False, "email,sms,im"),
]


def seed(apps, schema_editor):
    BusinessCalendar = apps.get_model("calendars", "BusinessCalendar")
    ServiceTarget = apps.get_model("sla", "ServiceTarget")
    EscalationRule = apps.get_model("sla", "EscalationRule")
    calendars = {calendar.code: calendar for calendar in BusinessCalendar.objects.all()}
    for severity, clock, minutes, code, starts in TARGETS:
        ServiceTarget.objects.get_or_create(
            severity=severity, clock=clock, defaults={"minutes": minutes, "calendar": calendars[code], "starts": starts}
        )
    for name, trigger, clock, minutes, severities, role, owner, tier, channels in RULES:
        EscalationRule.objects.get_or_create(
            name=name,
            defaults={
                "trigger": trigger,
                "clock": clock,
                "minutes": minutes,
                "severities": severities,
                "notify_role": role,
                "notify_owner": owner,
                "raise_tier": tier,
                "channels": channels,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial"), ("calendars", "0002_seed_calendars_and_holidays")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
