"""The notification registry: the outbox imports no domain app, the apps declare their kinds,
every declared kind has its templates in English and Chinese, and nothing else is stored."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.template import Engine
from django.template.loader import get_template
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.utils import translation

from aftersales.notifications import registry
from aftersales.notifications.models import Notification
from aftersales.notifications.registry import Audience, NotificationKind
from aftersales.notifications.rendering import template_names
from aftersales.notifications.services import queue_notification

PACKAGE = Path(__file__).resolve().parents[2] / "aftersales"
NOTIFICATIONS = PACKAGE / "notifications"
# What a mechanism may import from the project: the kernel and the other mechanisms. Every
# other package under aftersales/ (cases, sla, portal, any app added later) is a domain app or
# an entry point, and forbidden.
ALLOWED = {"notifications", "core", "accounts", "calendars", "timeline", "deadlines", "approvals", "documents"}
ALLOWED_MODULES = {"env", "settings"}


def project_imports(source: str, module: str) -> set[str]:
    """The aftersales.* modules `source` (the module `module`) imports, at any depth of its body."""
    found = set()
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing module's package
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
            "import_string",
            "__import__",
        ):
            found |= {arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)}
    return {name for name in found if name == "aftersales" or name.startswith("aftersales.")}


def forbidden(names: set[str]) -> set[str]:
    """The imported names that reach a domain app or an entry point."""
    bad = set()
    for name in names:
        parts = name.split(".")
        if len(parts) < 2:
            continue
        top = parts[1]
        if top not in ALLOWED and top not in ALLOWED_MODULES:
            bad.add(name)
    return bad


@pytest.mark.parametrize(
    "source",
    [
        "import aftersales.cases.models",
        "from aftersales.sla.models import Clock",
        "def f():\n    from aftersales.contracts.models import ServiceContract\n",
        "from aftersales import customers",
        "from ..portal import services",
        "from django.utils.module_loading import import_string\nimport_string('aftersales.inbox.services.x')",
        "import importlib\nimportlib.import_module('aftersales.dispatch.models')",
        "from aftersales.some_app_added_next_year.models import Thing",
    ],
)
def test_the_import_check_catches_every_way_of_importing_a_domain_app(source):
    assert forbidden(project_imports(source, "aftersales.notifications.delivery"))


@pytest.mark.parametrize(
    "source",
    [
        "from aftersales.notifications.models import Notification",
        "from . import registry",
        "from aftersales.core.mailids import make_message_id",
        "from aftersales.accounts.roles import Role",
        "from django.conf import settings",
    ],
)
def test_the_import_check_allows_the_kernel_and_the_package_itself(source):
    assert not forbidden(project_imports(source, "aftersales.notifications.delivery"))


def test_notifications_imports_no_domain_app():
    offenders = {}
    for path in sorted(NOTIFICATIONS.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        bad = forbidden(project_imports(path.read_text(encoding="utf-8"), module))
        if bad:
            offenders[str(path.relative_to(PACKAGE.parent))] = sorted(bad)
    assert not offenders, f"the notifications mechanism imports domain apps: {offenders}"


# --- every kind speaks both languages -----------------------------------------------------------


def untranslated(template, language: str = "zh-hans") -> list[str]:
    """The translatable strings of a compiled template with no translation in `language`."""
    missing = []
    nodelist = template.template.nodelist if hasattr(template, "template") else template.nodelist
    with translation.override(language):
        for node in nodelist.get_nodes_by_type(TranslateNode):
            msgid = node.filter_expression.var.literal if node.filter_expression.var.literal else None
            if isinstance(msgid, str) and msgid and _translated(msgid, node.message_context) == msgid:
                missing.append(msgid)
        for node in nodelist.get_nodes_by_type(BlockTranslateNode):
            msgid, _vars = node.render_token_list(node.singular)
            if msgid.strip() and _translated(msgid, node.message_context) == msgid:
                missing.append(msgid)
    return missing


def _translated(msgid: str, context) -> str:
    context = context.resolve({}) if context is not None and hasattr(context, "resolve") else context
    return translation.pgettext(context, msgid) if context else translation.gettext(msgid)


@pytest.mark.parametrize(
    "source",
    [
        '{% load i18n %}{% translate "A sentence nobody translated yet" %}',
        "{% load i18n %}{% blocktranslate %}Case {{ number }} has no Chinese yet{% endblocktranslate %}",
        '{% load i18n %}{% translate "Escalation" %} {% translate "Another untranslated line" %}',
    ],
)
def test_the_language_check_finds_an_untranslated_string(source):
    engine = Engine(libraries={"i18n": "django.templatetags.i18n"})
    assert untranslated(engine.from_string(source))


KINDS = registry.all_kinds()


def test_the_apps_declared_the_kinds():
    declared = {kind.name for kind in KINDS}
    assert {"case_assigned", "escalation", "acknowledgement", "portal_invitation", "contract_renewal"} <= declared
    assert all(kind.name for kind in KINDS)


@pytest.mark.parametrize("kind", KINDS, ids=[kind.name for kind in KINDS])
def test_every_registered_kind_has_its_templates_in_both_languages(kind):
    for part, name in template_names(kind.name).items():
        template = get_template(name)
        assert not untranslated(template), f"{name} ({part}) has strings without Chinese"
    with translation.override("zh-hans"):
        chinese = str(kind.label)
    with translation.override("en"):
        english = str(kind.label)
    assert chinese != english, f"the label of {kind.name} has no Chinese"


# --- only registered kinds are stored --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["no_such_kind", "Case_Assigned", "", "escalation "])
def test_an_unregistered_kind_is_refused(engineer, name):
    with pytest.raises(registry.UnknownKind):
        queue_notification(kind=name, recipients=[engineer], subject="x")
    with pytest.raises(ValidationError) as error:
        Notification(kind=name, subject="x").full_clean()
    assert "kind" in error.value.message_dict
    assert not Notification.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["acknowledgement", "portal_invitation", "portal_registration"])
def test_a_kind_for_customers_is_not_queued_to_staff(engineer, name):
    with pytest.raises(ValueError):
        queue_notification(kind=name, recipients=[engineer], subject="x")
    assert not Notification.objects.exists()


def test_a_name_cannot_be_declared_twice_differently():
    taken = registry.get("case_assigned")
    registry.register(taken)  # ready() running twice is harmless
    with pytest.raises(ValueError):
        registry.register(NotificationKind(name="case_assigned", label="other", context=lambda row: {}))
    with pytest.raises(ValueError):
        registry.register(NotificationKind(name="staff_without_context", label="x", audience=Audience.STAFF))
    assert registry.get("case_assigned") is taken


def test_an_unregistered_name_is_no_attribute():
    assert Notification.Kind.ESCALATION == "escalation"
    with pytest.raises(AttributeError):
        Notification.Kind.NO_SUCH_KIND  # noqa: B018


# --- a new app adds a kind without touching this package ----------------------------------------


@pytest.fixture
def visit_kind(settings, tmp_path):
    """A kind as a future field-service app would declare it, with its own templates."""
    folder = tmp_path / "notifications"
    folder.mkdir()
    (folder / "visit_planned-subject.txt").write_text("Visit {{ visit }} planned", encoding="utf-8")
    (folder / "visit_planned-body.txt").write_text("Go to {{ visit }} at {{ when }}.", encoding="utf-8")
    (folder / "visit_planned-body.html").write_text("<p>Go to {{ visit }} at {{ when }}.</p>", encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    kind = registry.register(
        NotificationKind(
            name="visit_planned",
            label="Visit planned",
            context=lambda request: {"visit": request.payload["visit"], "when": request.payload["when"]},
        )
    )
    yield kind
    registry._KINDS.pop(kind.name)


@pytest.mark.django_db
def test_a_kind_declared_by_another_app_is_queued_passed_on_and_sent(smtp, visit_kind, engineer, client):
    from aftersales.notifications.delivery import deliver_due

    engineer.email = "engineer@aftersales.example"
    engineer.save()

    queue_notification(
        kind="visit_planned", recipients=[engineer], subject="x", payload={"visit": "Ward 3", "when": "09:00"}
    )
    deliver_due()
    deliver_due()

    (mail,) = smtp.mailbox.to("engineer@aftersales.example")
    assert mail["Subject"] == "Visit Ward 3 planned"
    assert "Go to Ward 3 at 09:00." in mail.get_body(("plain",)).get_content()
    client.force_login(engineer)
    assert 'value="visit_planned"' in client.get("/account/notifications/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "to_contact", "reason"),
    [
        ("kind_of_a_removed_app", False, "no app declares this kind of notification"),
        ("kind_of_a_removed_app", True, "no app declares this kind of notification"),
        ("case_assigned", True, "no recipient"),  # a staff kind has no guard for customers
        ("contract_renewal", False, "no recipient"),
    ],
)
def test_a_message_no_kind_vouches_for_is_not_sent(smtp, customer_a, kind, to_contact, reason):
    from aftersales.notifications.delivery import deliver_due
    from tests.factories import ContactFactory

    row = Notification.objects.create(
        kind=kind,
        channel="email",
        address="someone@hospital.example",
        contact=ContactFactory(customer=customer_a, email="someone@hospital.example") if to_contact else None,
        subject="x",
        body_text="x",
    )

    deliver_due()

    row.refresh_from_db()
    assert (row.status, row.last_error) == (Notification.Status.FAILED, reason)
    assert not smtp.mailbox.received
