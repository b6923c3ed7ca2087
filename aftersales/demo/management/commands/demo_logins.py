"""Print the demo log-ins: one or more per role, all with the same password."""

import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from aftersales.accounts.models import User
from aftersales.accounts.roles import Role
from aftersales.demo.people import DEMO_PASSWORD, demo_logins

# Used when the compiled catalogue is not there (the labels are translated in the .po file).
ROLE_ZH = {
    Role.CUSTOMER: "客户联系人",
    Role.HOTLINE: "热线专员",
    Role.ENGINEER: "一线工程师 (L1)",
    Role.SPECIALIST: "二线技术专家 (L2)",
    Role.EXPERT: "专家中心 (L3)",
    Role.PARTS_CLERK: "备件专员",
    Role.DUTY_MANAGER: "值班经理",
    Role.DEPT_MANAGER: "部门经理",
    Role.CENTRE_MANAGER: "服务中心经理",
    Role.EXECUTIVE: "主管副总",
    Role.SALES: "销售（只读）",
    Role.ADMIN: "系统管理员",
}


STAFF_ORDER = [role for role in Role if role != Role.CUSTOMER]


def role_labels(role: Role) -> tuple[str, str]:
    """(Chinese, English) label of a role."""
    with translation.override("en"):
        english = str(role.label)
    with translation.override("zh-hans"):
        chinese = str(role.label)
    return (chinese if chinese != english else ROLE_ZH[role]), english


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


class Command(BaseCommand):
    help = "Print the URL and the demo log-ins (username, password, role, display name)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.SITE_URL, help="address of the running site")

    def handle(self, *args, **options):
        url = options["url"].rstrip("/") + "/"
        rows, missing = self.rows()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"售后服务管理系统 Aftersales: {url}"))
        self.stdout.write(f"管理后台 Admin: {url}admin/  ·  密码 password for all: {DEMO_PASSWORD}")
        self.stdout.write("")
        self.write_table(rows)
        if missing:
            self.stdout.write(
                self.style.WARNING(f"Not in the database (run `manage.py seed_demo`): {', '.join(missing)}")
            )
        self.stdout.write("")

    def rows(self) -> tuple[list[tuple[str, ...]], list[str]]:
        existing = set(User.objects.filter(is_active=True).values_list("username", flat=True))
        rows: list[tuple[str, ...]] = []
        missing: list[str] = []
        for role in [*STAFF_ORDER, Role.CUSTOMER]:
            chinese, english = role_labels(role)
            for username, display, user_role in demo_logins():
                if user_role == role:
                    rows.append((username, DEMO_PASSWORD, chinese, english, display))
                    if username not in existing:
                        missing.append(username)
        return rows, missing

    def write_table(self, rows: list[tuple[str, ...]]) -> None:
        header = ("用户名 Username", "密码 Password", "角色", "Role", "显示名 Display name")
        widths = [max(display_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
        line = "  ".join("-" * width for width in widths)
        self.stdout.write("  ".join(pad(cell, width) for cell, width in zip(header, widths, strict=True)).rstrip())
        self.stdout.write(line)
        for row in rows:
            self.stdout.write("  ".join(pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip())
