"""Reading headers, charsets and quotes, and the rules on them: pure functions, no database."""

from __future__ import annotations

import base64

import pytest

from aftersales.inbox import rules
from aftersales.inbox.parsing import (
    ParsedMail,
    _address,
    content_digest,
    decode_bytes,
    decode_header_value,
    parse_message,
    storable,
)


def b64(text: str, charset: str = "utf-8") -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


# --- the sender is the address, the display name is text ----------------------------------------


@pytest.mark.parametrize(
    ("header", "name", "address"),
    [
        (
            b64("<zhang.wei@hospital-a.cn>") + " <attacker@evil.example>",
            "<zhang.wei@hospital-a.cn>",
            "attacker@evil.example",
        ),
        (
            b64("张伟 <zhang.wei@hospital-a.cn>") + " <attacker@evil.example>",
            "张伟 <zhang.wei@hospital-a.cn>",
            "attacker@evil.example",
        ),
        ('"zhang.wei@hospital-a.cn" <attacker@evil.example>', "zhang.wei@hospital-a.cn", "attacker@evil.example"),
        ("zhang.wei@hospital-a.cn <attacker@evil.example>", "zhang.wei@hospital-a.cn", "attacker@evil.example"),
        (
            b64("x\r\nBcc: victim@customer.example") + " <attacker@evil.example>",
            "x Bcc: victim@customer.example",
            "attacker@evil.example",
        ),
        (b64("陆, 文斌") + " <lu.wenbin@hospital-a.cn>", "陆, 文斌", "lu.wenbin@hospital-a.cn"),
        ('"陆, 文斌" <lu.wenbin@hospital-a.cn>', "陆, 文斌", "lu.wenbin@hospital-a.cn"),
        ("陆, 文斌 <lu.wenbin@hospital-a.cn>", "陆, 文斌", "lu.wenbin@hospital-a.cn"),
        ("Zhang.Wei@Hospital-A.cn", "", "zhang.wei@hospital-a.cn"),
        ("zhang.wei@hospital-a.cn (" + b64("张伟") + ")", "张伟", "zhang.wei@hospital-a.cn"),
        ("张伟 <zhang.wei@hospital-a.cn>, 王芳 <wang.fang@hospital-a.cn>", "张伟", "zhang.wei@hospital-a.cn"),
        ("=?utf-8?Q?=E5=BC=A0=00=E4=BC=9F?= <zhang.wei@hospital-a.cn>", "张伟", "zhang.wei@hospital-a.cn"),
        ("undisclosed-recipients:;", "", ""),
    ],
)
def test_the_sender_address_is_found_before_the_name_is_decoded(header, name, address):
    assert _address(header) == (name, address)


# --- text the database stores -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a\x00b", "ab"),
        ("line\x01\x02\x7f", "line"),
        ("tab\tand\nbreak", "tab\tand\nbreak"),
        ("lone \udcc3 surrogate", "lone ? surrogate"),
        ("", ""),
    ],
)
def test_storable_text_has_no_nul_controls_or_lone_surrogates(value, expected):
    assert storable(value) == expected


# --- charsets and encoded words -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("大堂𨋢口電話故障，邨內分機正常", "big5"),
        ("香港灣仔𡃁仔報修", "big5"),
        ("語音信箱無法錄音，來電者聽到忙音", "big5"),
        ("朱镕基路分院", "gb2312"),
    ],
)
def test_a_declared_chinese_charset_is_read_without_mojibake(text, label):
    codec = "big5hkscs" if label == "big5" else "gb18030"
    assert decode_bytes(text.encode(codec), label) == text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b64("回复：") + " 门诊楼交换机告警", "回复： 门诊楼交换机告警"),
        ("关于" + b64("交换机"), "关于交换机"),
        (b64("交换") + " " + b64("机告警"), "交换机告警"),
        # one UTF-8 character split across two encoded words
        (
            "=?utf-8?B?"
            + base64.b64encode("（第二次）".encode()[:7]).decode()
            + "?= =?utf-8?B?"
            + base64.b64encode("（第二次）".encode()[7:]).decode()
            + "?=",
            "（第二次）",
        ),
        ("=?utf-8?Q?a=00b?=", "ab"),
        ("Re: =?gb2312?B?" + base64.b64encode("报修".encode("gb2312")).decode() + "?= 补充", "Re: 报修 补充"),
    ],
)
def test_subjects_mixing_encoded_words_and_raw_text_decode_completely(raw, expected):
    assert decode_header_value(raw) == expected


def test_raw_utf8_next_to_encoded_words_in_a_whole_message():
    message = b"Subject: " + b64("回复：").encode() + " 门诊楼交换机告警\r\n\r\nbody\r\n".encode()
    assert parse_message(message).subject == "回复： 门诊楼交换机告警"


# --- automatic mail -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "subject",
    [
        "【自动回复】您的报修已受理",
        "[外部邮件] 自动回复: 交换机无法呼出",
        "[External] Re: 自動回覆：收到",
        "[Auto-Reply] Re: your request",
        "Re: [CS202611-000001] Out of Office",
        "Ｏｕｔ ｏｆ Ｏｆｆｉｃｅ",
        "Re: 本人休假中",
        "Automatic reply: 交换机无法呼出",
        "系统退信: 投递失败",
    ],
)
def test_automatic_replies_are_recognised_anywhere_in_the_subject(subject):
    assert rules.automatic_reason(ParsedMail(subject=subject)) == "automatic reply by its subject"


@pytest.mark.parametrize(
    "subject",
    ["Re: [CS202611-000001] 交换机无法呼出", "关于自动化设备的报修", "Re: reply to your office", "Outlook 无法登录"],
)
def test_ordinary_subjects_are_not_automatic(subject):
    assert rules.automatic_reason(ParsedMail(subject=subject, text="分机无声")) == ""


@pytest.mark.parametrize(
    "header", ["list-id", "list-post", "list-archive", "list-help", "list-unsubscribe", "mailing-list"]
)
def test_mailing_list_headers_make_mail_automatic(header):
    assert header in rules.automatic_reason(ParsedMail(headers={header: "<x>"}))


@pytest.mark.parametrize(
    "text",
    [
        "This is the mail system at host mx.example.cn.\n\nI'm sorry to have to inform you that your message could not",
        "Hi. This is the qmail-send program at mx.example.cn.",
        "Reporting-MTA: dns; mx\nFinal-Recipient: rfc822; nobody@hospital-a.cn\nAction: failed\nStatus: 5.1.1",
        "您发送的邮件未能送达。\n退信原因：收件人地址不存在。",
    ],
)
def test_plain_text_bounces_are_automatic(text):
    assert rules.automatic_reason(ParsedMail(subject="通知", text=text)) == "bounce by its text"


# --- case numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "number"),
    [
        ("关于CS202611-000123的补充", "CS202611-000123"),
        ("[CS202611-000123] 交换机", "CS202611-000123"),
        ("ＣＳ２０２６１１－０００１２３", "CS202611-000123"),
        ("cs202611-000123", "CS202611-000123"),
        ("CS 202611 - 000123 进展", "CS202611-000123"),
        ("CS202611 000123", "CS202611-000123"),
        ("CS202611—000123", "CS202611-000123"),
        ("案例号：CS202611-000123。", "CS202611-000123"),
    ],
)
def test_case_numbers_are_found_wherever_a_person_writes_them(subject, number):
    assert rules.referenced_case_numbers(ParsedMail(subject=subject)) == [number]


@pytest.mark.parametrize("subject", ["XCS202611-000123", "CS202611-0001234", "CS20261-000123", "订单号 202611-000123"])
def test_things_that_are_not_case_numbers(subject):
    assert rules.referenced_case_numbers(ParsedMail(subject=subject)) == []


def test_our_message_id_comes_before_a_number_typed_in_the_subject(settings):
    settings.MAIL_DOMAIN = "aftersales.example.cn"
    mail = ParsedMail(subject="Re: CS202611-000009", in_reply_to="<as.CS202611-000001.0a1b@aftersales.example.cn>")
    assert rules.referenced_case_numbers(mail) == ["CS202611-000001", "CS202611-000009"]


# --- quoted history -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "quote",
    [
        "------------------&nbsp;原始邮件&nbsp;------------------\n收件人: x\n旧内容",
        "------------------\xa0原始邮件\xa0------------------\n旧内容",
        "  ------------------ Original ------------------\nSend time: Monday\n旧内容",
        "在 2026年11月2日周一 10:00，售后服务中心 <service@aftersales.example.cn>\n写道：\n> 旧内容",
        "在 2026年11月2日周一 10:00，售后服务中心 <service@aftersales.example.\ncn> 写道：\n> 旧内容",
        "On Mon, 2 Nov 2026 at 10:00, Service Desk <service@aftersales.example.cn>\nwrote:\n> 旧内容",
    ],
)
def test_quoted_history_starts_at_the_separators_clients_write(quote):
    assert rules.without_quoted_history(f"新内容\n\n{quote}\n") == "新内容"


# --- de-duplication -----------------------------------------------------------------------------


def test_the_content_digest_ignores_trace_headers_and_line_endings_not_the_body():
    message = b"Message-ID: <1@localhost>\r\nFrom: scan@hospital-a.cn\r\nSubject: Scan\r\n\r\nscan one\r\n"
    assert content_digest(b"Received: by mx1\r\n" + message) == content_digest(message.replace(b"\r\n", b"\n"))
    assert content_digest(message) != content_digest(message.replace(b"scan one", b"scan two"))
