"""Demo staff in every role, the teams, the portal users and the log-in list."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from aftersales.accounts.models import User
from aftersales.accounts.roles import Role
from aftersales.customers.models import Contact
from aftersales.demo.base import LoaderBase
from aftersales.demo.customers import CONTACTS, portal_logins
from aftersales.dispatch.models import Team

DEMO_PASSWORD = "demo1234"
STAFF_EMAIL_DOMAIN = "aftersales.example"

# fmt: off
# (username, display name, role, mobile). Every role has at least one log-in.
STAFF = [
    ("agent", "王丽（热线）", Role.HOTLINE, "138 0211 0001"),
    ("agent2", "陈静（热线）", Role.HOTLINE, "138 0211 0002"),
    ("engineer", "李强（一线·上海）", Role.ENGINEER, "139 1700 0011"),
    ("engineer2", "赵磊（一线·北京）", Role.ENGINEER, "139 1100 0012"),
    ("engineer3", "黄志明（一线·广州）", Role.ENGINEER, "139 2000 0013"),
    ("specialist", "张伟（二线·语音）", Role.SPECIALIST, "137 0211 0021"),
    ("specialist2", "刘洋（二线·数通）", Role.SPECIALIST, "137 0211 0022"),
    ("expert", "周敏（三线专家）", Role.EXPERT, "136 0211 0031"),
    ("liaison", "林涛（厂商接口）", Role.EXPERT, "136 0211 0032"),
    ("parts", "孙浩（备件）", Role.PARTS_CLERK, "135 0211 0041"),
    ("duty", "吴刚（值班经理）", Role.DUTY_MANAGER, "135 0211 0051"),
    ("manager", "郑华（服务部经理）", Role.DEPT_MANAGER, "133 0211 0061"),
    ("centre", "钱峰（服务中心经理）", Role.CENTRE_MANAGER, "133 0211 0071"),
    ("exec", "冯建国（副总裁）", Role.EXECUTIVE, "133 0211 0081"),
    ("sales", "何晓（销售）", Role.SALES, "158 0211 0091"),
    ("admin", "系统管理员", Role.ADMIN, ""),
]
ADMINS = {"admin"}  # is_staff + is_superuser: may use /admin/

# (name, tier, manager, members)
TEAMS = [
    ("一线维护组（上海）", "L1", "duty", ("engineer",)),
    ("一线维护组（北京）", "L1", "duty", ("engineer2",)),
    ("一线维护组（广州）", "L1", "duty", ("engineer3",)),
    ("二线现场支持组", "L2", "manager", ("specialist", "specialist2")),
    ("三线专家中心（COE）", "L3", "manager", ("expert",)),
    ("厂商接口组（L4）", "L4", "centre", ("liaison", "expert")),
]
L1_TEAM_BY_REGION = {"上海": "一线维护组（上海）", "北京": "一线维护组（北京）", "广州": "一线维护组（广州）", "深圳": "一线维护组（广州）"}
ENGINEER_BY_TEAM = {"一线维护组（上海）": "engineer", "一线维护组（北京）": "engineer2", "一线维护组（广州）": "engineer3"}
TEAM_BY_TIER = {"L2": "二线现场支持组", "L3": "三线专家中心（COE）", "L4": "厂商接口组（L4）"}
# fmt: on


def demo_logins() -> list[tuple[str, str, Role]]:
    """(username, display name, role) of every demo log-in, staff first."""
    rows = [(user, name, role) for user, name, role, _mobile in STAFF]
    return rows + [(user, name, Role.CUSTOMER) for user, name, _cust in portal_logins()]


class PeopleLoader(LoaderBase):
    @cached_property
    def password(self) -> str:
        return make_password(DEMO_PASSWORD)  # hashed once, and only if a user is created: hashing is slow

    def load_people(self) -> None:
        for username, display, role, mobile in STAFF:
            self._user(username, display, role, phone=mobile, email=f"{username}@{STAFF_EMAIL_DOMAIN}")
        for name, tier, manager, members in TEAMS:
            team = self._get_or_create(
                Team, "teams", name=name, defaults={"tier": tier, "manager": self.users[manager]}
            )
            team.members.add(*(self.users[m] for m in members))
            self.teams[name] = team
        self.load_contacts()
        # Fresh objects: `User.roles` is cached on first use.
        self.users = {user.username: user for user in User.objects.filter(username__in=list(self.users))}

    def _user(self, username: str, display: str, role: Role, **fields) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            admin = username in ADMINS
            flags = {"is_staff": admin, "is_superuser": admin}
            user = User.objects.create(
                username=username, display_name=display, password=self.password, **flags, **fields
            )
            self.report.add("users", True)
        user.groups.add(Group.objects.get(name=role.value))
        self.users[username] = user
        return user

    def load_contacts(self) -> None:
        portal = {username: display for username, display, _cust in portal_logins()}
        for customer, name, title, mobile, phone, email, manager, username in CONTACTS:
            user = None
            if username:
                user = self._user(username, portal[username], Role.CUSTOMER, phone=mobile, email=email)
            defaults: dict[str, object] = {"title": title, "mobile": mobile, "phone": phone, "email": email}
            defaults |= {"is_customer_manager": manager, "user": user}
            self.contacts[customer, name] = self._get_or_create(
                Contact, "contacts", customer=self.customers[customer], name=name, defaults=defaults
            )
