"""The stock ledger: random receipts, reservations, issues, returns, transfers and write-offs
never make on-hand or available stock negative, and every balance is the sum of its movements."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from aftersales.accounts.roles import Role
from aftersales.core.errors import DomainError
from aftersales.parts import services
from aftersales.parts.models import Part, StockBalance, StockMovement, Warehouse
from aftersales.parts.queries import ledger_totals
from aftersales.parts.services import stock
from tests.factories import UserFactory, VendorFactory

QUANTITY = st.integers(min_value=1, max_value=5)
KINDS = st.sampled_from(["receive", "issue", "return", "write_off"])


@pytest.mark.django_db
def test_ledger_never_goes_negative_and_balances_are_the_sums():
    class Ledger(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            # Each example runs in its own savepoint, rolled back at its end: a fresh ledger.
            self.savepoint = transaction.atomic()
            self.savepoint.__enter__()
            self.clerk = UserFactory(username="ledger-clerk", roles=[Role.PARTS_CLERK])
            self.warehouses = [Warehouse.objects.create(code=f"w{i}", name=f"库{i}") for i in range(2)]
            self.part = Part.objects.create(vendor=VendorFactory(), part_number="P1", description="板卡")
            self.model = {w.pk: [0, 0] for w in self.warehouses}  # on hand, reserved

        def teardown(self):
            transaction.set_rollback(True)
            self.savepoint.__exit__(None, None, None)

        def _available(self, w):
            on_hand, reserved = self.model[w.pk]
            return on_hand - reserved

        @rule(index=st.integers(0, 1), kind=KINDS, quantity=QUANTITY)
        def manual(self, index, kind, quantity):
            warehouse = self.warehouses[index]
            taking = kind in ("issue", "write_off")
            try:
                services.record_movement(
                    warehouse=warehouse, part=self.part, kind=kind, quantity=quantity, by=self.clerk, reason="测试"
                )
            except DomainError:
                assert taking and quantity > self._available(warehouse)
                return
            assert not taking or quantity <= self._available(warehouse)
            self.model[warehouse.pk][0] += -quantity if taking else quantity

        @rule(source=st.integers(0, 1), quantity=QUANTITY)
        def transfer(self, source, quantity):
            a, b = self.warehouses[source], self.warehouses[1 - source]
            try:
                services.transfer_stock(source=a, target=b, part=self.part, quantity=quantity, by=self.clerk)
            except DomainError:
                assert quantity > self._available(a)
                return
            self.model[a.pk][0] -= quantity
            self.model[b.pk][0] += quantity

        @rule(index=st.integers(0, 1), quantity=QUANTITY, release=st.booleans())
        def reserve(self, index, quantity, release):
            warehouse = self.warehouses[index]
            kind = "release" if release else "reserve"
            try:
                with transaction.atomic():  # as every service that reserves does
                    stock._move(warehouse=warehouse, part=self.part, kind=kind, quantity=quantity, by=self.clerk)
            except DomainError:
                limit = self.model[warehouse.pk][1] if release else self._available(warehouse)
                assert quantity > limit
                return
            self.model[warehouse.pk][1] += -quantity if release else quantity

        @invariant()
        def balances_match_the_model_and_the_ledger(self):
            totals = ledger_totals()
            for warehouse in self.warehouses:
                balance = StockBalance.objects.filter(warehouse=warehouse, part=self.part).first()
                on_hand, reserved = (balance.on_hand, balance.reserved) if balance else (0, 0)
                assert [on_hand, reserved] == self.model[warehouse.pk]
                assert on_hand >= 0 and reserved >= 0 and on_hand - reserved >= 0
                if balance is not None:
                    assert totals.get((warehouse.pk, self.part.pk), (0, 0)) == (on_hand, reserved)

    Ledger.TestCase.settings = settings(
        max_examples=25, stateful_step_count=20, deadline=None, suppress_health_check=list(HealthCheck)
    )
    Ledger.TestCase().runTest()


@pytest.mark.django_db
def test_the_database_refuses_a_negative_balance_whatever_the_code(part, branch):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.create(warehouse=branch, part=part, on_hand=1, reserved=2)


@pytest.mark.django_db
def test_movements_are_never_changed_or_deleted(stocked, part):
    movement = StockMovement.objects.get()
    with pytest.raises(PermissionError):
        movement.save()
    with pytest.raises(PermissionError):
        StockMovement.objects.all().delete()
    with pytest.raises(PermissionError):
        StockMovement.objects.update(quantity=5)
