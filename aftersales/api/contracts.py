"""Maintenance contracts: read-only, staff only (fees are not for the customer's contacts)."""

from __future__ import annotations

from rest_framework import serializers

from aftersales.api.base import ReadOnlyViewSet, is_staff
from aftersales.api.pagination import IdCursorPagination
from aftersales.contracts.models import ServiceContract


class ContractSerializer(serializers.ModelSerializer):
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


class ContractViewSet(ReadOnlyViewSet):
    serializer_class = ContractSerializer
    pagination_class = IdCursorPagination
    filterset_fields = ["customer"]

    def get_queryset(self):
        if not is_staff(self.request.user):
            return ServiceContract.objects.none()
        return ServiceContract.objects.prefetch_related("equipment")
