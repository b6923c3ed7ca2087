"""Maintenance contracts: read by staff only (fees are not for the customer's contacts), written
by administrators."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from aftersales.accounts import policy
from aftersales.api.base import CleanedModelSerializer, MasterDataViewSet
from aftersales.api.pagination import IdCursorPagination
from aftersales.contracts.models import ServiceContract


class ContractSerializer(CleanedModelSerializer):
    class Meta:
        model = ServiceContract
        fields = [
            "id",
            "number",
            "customer",
            "name",
            "coverage",
            "service_level",
            "start_date",
            "end_date",
            "critical_round_the_clock",
            "equipment",
        ]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        customer = attrs.get("customer") or getattr(self.instance, "customer", None)
        foreign = [e.serial_number for e in attrs.get("equipment", []) if e.customer_id != customer.pk]
        if foreign:
            raise serializers.ValidationError(
                {"equipment": [_("Not equipment of this customer: %(serials)s.") % {"serials": ", ".join(foreign)}]}
            )
        return attrs


class ContractViewSet(MasterDataViewSet):
    serializer_class = ContractSerializer
    pagination_class = IdCursorPagination
    filterset_fields = ["customer"]

    def get_queryset(self):
        if not policy.allowed(self.request.user, "contracts.read"):
            return ServiceContract.objects.none()
        return ServiceContract.objects.prefetch_related("equipment")
