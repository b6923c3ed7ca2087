from aftersales.core.mailids import case_number_from_message_ids, is_our_message_id, make_message_id


def test_a_message_id_names_its_case_and_is_recognised(settings):
    settings.MAIL_DOMAIN = "desk.example.com"
    mid = make_message_id("CS202611-000042")
    assert mid.startswith("<as.CS202611-000042.") and mid.endswith("@desk.example.com>")
    assert is_our_message_id(mid)
    assert case_number_from_message_ids(f"<abc@qq.com> {mid}") == "CS202611-000042"


def test_foreign_or_caseless_ids_give_no_case(settings):
    settings.MAIL_DOMAIN = "desk.example.com"
    assert not is_our_message_id("<as.CS202611-000042.ab12@other.example.com>")
    assert case_number_from_message_ids("<as.CS202611-000042.ab12@other.example.com>") is None
    assert case_number_from_message_ids(make_message_id(None)) is None
    assert is_our_message_id(make_message_id(None))
    assert case_number_from_message_ids("") is None
