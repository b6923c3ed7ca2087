"""SMS gateway and group robots against a real local HTTP server: exact bodies and signatures;
escalations go out on the channels their rule names, once per group."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse

import pytest
from django.utils import translation

from aftersales.accounts.roles import Role
from aftersales.cases.models import Severity
from aftersales.notifications.delivery import deliver_due
from aftersales.notifications.models import Channel, Notification
from aftersales.notifications.senders import (
    DingTalkSender,
    FeishuSender,
    HttpSmsSender,
    OutgoingMessage,
    WeComSender,
    sender_for,
)
from aftersales.sla.models import EscalationRule
from tests.factories import ContactFactory
from tests.notifications.conftest import local

MOMENT = local(2026, 6, 8, 10, 0)
TEXT = OutgoingMessage(channel="dingtalk", address="dingtalk", subject="[CS202606-000001] 升级", text="全院电话中断")


def query(hook) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(hook.path).query))


def test_dingtalk_signs_timestamp_and_secret_in_the_query(settings, webhooks, travel):
    travel(MOMENT)
    settings.NOTIFY_DINGTALK_WEBHOOK = f"{webhooks.url}/robot/send?access_token=tok123"
    settings.NOTIFY_DINGTALK_SECRET = "SECabc"

    result = DingTalkSender().send(TEXT)

    assert result.ok
    (hook,) = webhooks.calls
    timestamp = int(MOMENT.timestamp() * 1000)
    expected = base64.b64encode(hmac.new(b"SECabc", f"{timestamp}\nSECabc".encode(), hashlib.sha256).digest()).decode()
    assert urllib.parse.urlsplit(hook.path).path == "/robot/send"
    assert query(hook) == {"access_token": "tok123", "timestamp": str(timestamp), "sign": expected}
    assert hook.json == {"msgtype": "text", "text": {"content": "[CS202606-000001] 升级\n全院电话中断"}}
    assert hook.headers["Content-Type"] == "application/json; charset=utf-8"


def test_dingtalk_without_a_secret_sends_unsigned(settings, webhooks):
    settings.NOTIFY_DINGTALK_WEBHOOK = f"{webhooks.url}/robot/send?access_token=tok123"
    settings.NOTIFY_DINGTALK_SECRET = ""

    assert DingTalkSender().send(TEXT).ok
    assert query(webhooks.calls[0]) == {"access_token": "tok123"}


def test_a_robot_that_answers_with_an_error_code_is_retried(settings, webhooks):
    settings.NOTIFY_DINGTALK_WEBHOOK = f"{webhooks.url}/robot/send?access_token=tok123"
    webhooks.reply = (200, {"errcode": 310000, "errmsg": "sign not match"})

    result = DingTalkSender().send(TEXT)

    assert not result.ok and result.retry and "310000" in result.error


def test_wecom_posts_text_to_the_key_url_unsigned(settings, webhooks):
    settings.NOTIFY_WECOM_WEBHOOK = f"{webhooks.url}/cgi-bin/webhook/send?key=KEY-1"

    assert WeComSender().send(TEXT).ok

    (hook,) = webhooks.calls
    assert query(hook) == {"key": "KEY-1"}
    assert hook.json == {"msgtype": "text", "text": {"content": "[CS202606-000001] 升级\n全院电话中断"}}


def test_feishu_signs_in_the_body(settings, webhooks, travel):
    travel(MOMENT)
    settings.NOTIFY_FEISHU_WEBHOOK = f"{webhooks.url}/open-apis/bot/v2/hook/abc"
    settings.NOTIFY_FEISHU_SECRET = "fs-secret"
    webhooks.reply = (200, {"code": 0, "msg": "success", "data": {}})

    assert FeishuSender().send(TEXT).ok

    (hook,) = webhooks.calls
    timestamp = int(MOMENT.timestamp())
    expected = base64.b64encode(hmac.new(f"{timestamp}\nfs-secret".encode(), b"", hashlib.sha256).digest()).decode()
    assert hook.path == "/open-apis/bot/v2/hook/abc"
    assert hook.json == {
        "timestamp": str(timestamp),
        "sign": expected,
        "msg_type": "text",
        "content": {"text": "[CS202606-000001] 升级\n全院电话中断"},
    }


def test_feishu_error_code_is_a_failure(settings, webhooks):
    settings.NOTIFY_FEISHU_WEBHOOK = f"{webhooks.url}/open-apis/bot/v2/hook/abc"
    webhooks.reply = (200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"})

    assert not FeishuSender().send(TEXT).ok


@pytest.fixture
def sms_gateway(settings, webhooks):
    settings.NOTIFY_SMS_BACKEND = "http"
    settings.NOTIFY_SMS_URL = f"{webhooks.url}/sms/send"
    settings.NOTIFY_SMS_KEY = "sms-key"
    settings.NOTIFY_SMS_TEMPLATE = "TPL_ACK"
    return webhooks


def test_http_sms_gateway_posts_json_with_the_key_and_template(sms_gateway):
    message = OutgoingMessage(
        channel="sms", address="13900000001", subject="s", text="案例已受理", params={"case": "CS202606-000001"}
    )

    assert isinstance(sender_for(Channel.SMS), HttpSmsSender)
    assert sender_for(Channel.SMS).send(message).ok

    (hook,) = sms_gateway.calls
    assert hook.path == "/sms/send"
    assert hook.headers["Authorization"] == "Bearer sms-key"
    assert hook.json == {
        "to": "13900000001",
        "template": "TPL_ACK",
        "params": {"case": "CS202606-000001"},
        "text": "案例已受理",
    }


@pytest.mark.parametrize(("status", "retry"), [(500, True), (503, True), (429, True), (400, False), (401, False)])
def test_http_sms_gateway_errors_are_transient_or_permanent(sms_gateway, status, retry):
    sms_gateway.reply = (status, {"error": "nope"})

    result = sender_for(Channel.SMS).send(OutgoingMessage(channel="sms", address="139", subject="s", text="t"))

    assert not result.ok and result.retry is retry and str(status) in result.error


def test_an_unreachable_gateway_is_transient(settings):
    settings.NOTIFY_SMS_BACKEND = "http"
    settings.NOTIFY_SMS_URL = "http://127.0.0.1:9/sms"  # discard port: nobody listens

    result = sender_for(Channel.SMS).send(OutgoingMessage(channel="sms", address="139", subject="s", text="t"))

    assert not result.ok and result.retry


@pytest.mark.django_db
def test_acknowledgement_sms_goes_through_the_gateway(sms_gateway, open_case, customer_a, equipment_a):
    contact = ContactFactory(customer=customer_a, email="", mobile="13900000009")
    case = open_case(customer_a, equipment=equipment_a, contact=contact, severity=Severity.B)

    assert deliver_due()["sent"] == 1

    (hook,) = sms_gateway.calls
    assert hook.json["to"] == "13900000009" and hook.json["params"]["case"] == case.number
    assert case.number in hook.json["text"]


@pytest.mark.django_db
def test_escalation_goes_out_on_the_channels_its_rule_names_once_per_group(
    settings, webhooks, smtp, open_case, customer_a, make_user
):
    settings.NOTIFY_DINGTALK_WEBHOOK = f"{webhooks.url}/dingtalk?access_token=t"
    settings.NOTIFY_WECOM_WEBHOOK = f"{webhooks.url}/wecom?key=k"
    settings.NOTIFY_FEISHU_WEBHOOK = ""
    for rule in EscalationRule.objects.filter(trigger=EscalationRule.Trigger.AT_OPENING):
        rule.channels = "email,dingtalk,wecom"
        rule.save()  # as the admin does: the rules kept in the process are forgotten
    make_user(Role.EXECUTIVE, username="vp1", email="vp1@aftersales.example", phone="13800000001")
    make_user(Role.EXECUTIVE, username="vp2", email="vp2@aftersales.example", language="en")
    case = open_case(customer_a, severity=Severity.A, title="全院电话中断")

    with translation.override("en"):
        deliver_due()

    paths = sorted(urllib.parse.urlsplit(hook.path).path for hook in webhooks.calls)
    assert paths == ["/dingtalk", "/wecom"]  # once per group, not once per executive
    assert all(case.number in hook.json["text"]["content"] for hook in webhooks.calls)
    assert all("全院电话中断" in hook.json["text"]["content"] for hook in webhooks.calls)
    assert len(smtp.mailbox.to("vp1@aftersales.example")) == 1
    assert smtp.mailbox.to("vp2@aftersales.example")[0]["Subject"].strip().startswith(f"[{case.number}] Escalation:")
    # The rule did not name SMS: no SMS although vp1 has a mobile.
    assert not Notification.objects.filter(case=case, channel=Channel.SMS).exists()


@pytest.mark.django_db
def test_rule_channel_im_means_every_configured_robot(settings, webhooks, open_case, customer_a, make_user):
    settings.NOTIFY_DINGTALK_WEBHOOK = ""
    settings.NOTIFY_WECOM_WEBHOOK = f"{webhooks.url}/wecom?key=k"
    settings.NOTIFY_FEISHU_WEBHOOK = f"{webhooks.url}/feishu"
    settings.NOTIFY_FEISHU_SECRET = ""
    webhooks.reply = (200, {"errcode": 0, "code": 0})
    make_user(Role.EXECUTIVE, username="vp1", phone="13800000001")
    case = open_case(customer_a, severity=Severity.A)  # the seeded rule: email, sms, im

    deliver_due()

    assert sorted(urllib.parse.urlsplit(h.path).path for h in webhooks.calls) == ["/feishu", "/wecom"]
    sms = Notification.objects.get(case=case, channel=Channel.SMS)
    assert sms.address == "13800000001" and sms.status == Notification.Status.SENT
