from aftersales.cases.models import Case
from aftersales.core.pagination import CappedPaginator


def test_paginator_stops_counting_past_its_cap(open_case, customer_a):
    for n in range(4):
        open_case(customer_a, title=f"故障{n}")
    paginator = CappedPaginator(Case.objects.order_by("pk"), 2)
    paginator.cap = 3

    assert paginator.count == 4  # cap + 1: "more than 3"
    assert paginator.is_capped
    assert paginator.num_pages == 2


def test_paginator_below_its_cap_counts_exactly(open_case, customer_a):
    open_case(customer_a)
    paginator = CappedPaginator(Case.objects.order_by("pk"), 2)

    assert paginator.count == 1 and not paginator.is_capped
