"""factory_boy factories for the domain; personas are built from them in conftest."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from aftersales.accounts.models import User
from aftersales.contracts.models import Coverage, ServiceContract
from aftersales.customers.models import Contact, Customer, Site
from aftersales.dispatch.models import Team
from aftersales.installed_base.models import Equipment, ProductModel, Vendor


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda o: o.username)
    password = factory.django.Password("pw-demo-123")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ():
            self.groups.add(Group.objects.get(name=str(role)))
        self.__dict__.pop("roles", None)  # forget the cached roles


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"cust{n}")
    name = factory.Sequence(lambda n: f"客户{n}有限公司")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"机房{n}")
    address = "上海市浦东新区世纪大道 100 号"
    region = "上海"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    mobile = factory.Sequence(lambda n: f"139{n:08d}")


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor
        django_get_or_create = ("name",)

    name = "AVAYA"


class ProductModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductModel
        django_get_or_create = ("vendor", "name")

    vendor = factory.SubFactory(VendorFactory)
    name = "Aura CM 8.1"
    category = ProductModel.Category.TELEPHONY


class EquipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Equipment

    product_model = factory.SubFactory(ProductModelFactory)
    site = factory.SubFactory(SiteFactory)
    serial_number = factory.Sequence(lambda n: f"SN{n:08d}")
    acceptance_date = dt.date(2026, 1, 15)
    contract_price = Decimal("100000.00")


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceContract

    number = factory.Sequence(lambda n: f"WH-2026-{n:04d}")
    customer = factory.SubFactory(CustomerFactory)
    name = "年度维护协议"
    coverage = Coverage.H7X24
    start_date = dt.date(2026, 1, 1)
    end_date = dt.date(2026, 12, 31)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = "一线维护组"
