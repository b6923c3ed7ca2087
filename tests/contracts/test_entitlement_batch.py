import datetime as dt

from aftersales.contracts.entitlement import entitlement_for, entitlements_for
from tests.factories import ContractFactory, EquipmentFactory, SiteFactory


def test_batch_entitlement_agrees_with_single_for_every_kind(customer_a, django_assert_max_num_queries):
    site = SiteFactory(customer=customer_a)
    in_warranty = EquipmentFactory(site=site, acceptance_date=dt.date(2026, 6, 1))
    out_of_warranty = EquipmentFactory(site=site, acceptance_date=dt.date(2020, 6, 1))
    covered = EquipmentFactory(site=site, acceptance_date=dt.date(2020, 6, 1))
    twice_covered = EquipmentFactory(site=site, acceptance_date=dt.date(2020, 6, 1))
    never_accepted = EquipmentFactory(site=site, acceptance_date=None)
    ContractFactory(customer=customer_a, end_date=dt.date(2026, 12, 31)).equipment.add(covered, twice_covered)
    later = ContractFactory(customer=customer_a, end_date=dt.date(2027, 6, 30))
    later.equipment.add(twice_covered)
    ContractFactory(customer=customer_a, end_date=dt.date(2025, 12, 31)).equipment.add(out_of_warranty)  # expired
    items = [in_warranty, out_of_warranty, covered, twice_covered, never_accepted]
    today = dt.date(2026, 11, 22)

    with django_assert_max_num_queries(4):
        batch = entitlements_for(items, on=today)

    assert {pk: e.kind for pk, e in batch.items()} == {item.pk: entitlement_for(item, on=today).kind for item in items}
    assert batch[twice_covered.pk].contract == later
    assert batch == {item.pk: entitlement_for(item, on=today) for item in items}
