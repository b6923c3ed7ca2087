"""Customers, their contacts and sites: read by staff (and a contact, their own), written by
administrators.

Staff see every row. A customer contact sees only their own organisation: its customer row,
its contacts and its sites. Anyone else sees nothing.
"""

from __future__ import annotations

from rest_framework import serializers

from aftersales.accounts import policy
from aftersales.api.base import CleanedModelSerializer, MasterDataViewSet
from aftersales.api.pagination import IdCursorPagination
from aftersales.customers.models import Contact, Customer, Site


class CustomerSerializer(CleanedModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "code", "name", "short_name", "kind", "is_key_account", "is_active"]


class ContactSerializer(CleanedModelSerializer):
    # May be empty, which OpenAPI's "format: email" does not allow; the model checks the address.
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)

    class Meta:
        model = Contact
        fields = ["id", "customer", "name", "title", "phone", "mobile", "email", "is_customer_manager", "is_active"]


class SiteSerializer(CleanedModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "customer", "name", "address", "region", "phone"]


class CustomerViewSet(MasterDataViewSet):
    serializer_class = CustomerSerializer
    pagination_class = IdCursorPagination
    filterset_fields = ["code", "is_active"]

    def get_queryset(self):
        return policy.scope(self.request.user, Customer.objects.all())


class ContactViewSet(MasterDataViewSet):
    serializer_class = ContactSerializer
    pagination_class = IdCursorPagination
    filterset_fields = ["customer", "is_active"]

    def get_queryset(self):
        return policy.scope(self.request.user, Contact.objects.all())


class SiteViewSet(MasterDataViewSet):
    serializer_class = SiteSerializer
    pagination_class = IdCursorPagination
    filterset_fields = ["customer", "region"]

    def get_queryset(self):
        return policy.scope(self.request.user, Site.objects.all())
