from aftersales.cases.models import Status


def test_opening_a_case_numbers_it_and_records_the_opening(case_a):
    assert case_a.number.startswith("CS") and case_a.number.endswith("-000001")
    assert case_a.status == Status.NEW
    assert list(case_a.events.values_list("kind", flat=True)) == ["created"]
