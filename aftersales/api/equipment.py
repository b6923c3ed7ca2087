"""Product models (the catalogue, readable by anyone logged in) and equipment (the installed
base: staff see all, a customer contact only their organisation's); administrators write both.
A piece of equipment belongs to the customer of its site."""

from __future__ import annotations

from rest_framework import serializers

from aftersales.accounts import policy
from aftersales.api.base import CleanedModelSerializer, MasterDataViewSet
from aftersales.api.fields import LookupField
from aftersales.api.pagination import IdCursorPagination
from aftersales.installed_base.models import Equipment, ProductModel, Vendor


class ProductModelSerializer(CleanedModelSerializer):
    vendor = LookupField(slug_field="name", queryset=Vendor.objects.all())

    class Meta:
        model = ProductModel
        fields = ["id", "vendor", "name", "category", "is_hardware"]


class EquipmentSerializer(CleanedModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Equipment
        fields = [
            "id",
            "customer",
            "site",
            "product_model",
            "serial_number",
            "hostname",
            "software_version",
            "install_date",
            "acceptance_date",
            "warranty_months",
            "is_active",
        ]


class ProductModelViewSet(MasterDataViewSet):
    serializer_class = ProductModelSerializer
    pagination_class = IdCursorPagination
    filterset_fields = ["category"]

    def get_queryset(self):
        return ProductModel.objects.select_related("vendor")


class EquipmentViewSet(MasterDataViewSet):
    serializer_class = EquipmentSerializer
    pagination_class = IdCursorPagination
    filterset_fields = ["customer", "site", "serial_number", "is_active"]

    def get_queryset(self):
        return policy.scope(self.request.user, Equipment.objects.all())
