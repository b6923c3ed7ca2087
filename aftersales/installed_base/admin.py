from django.contrib import admin

from aftersales.installed_base.models import Equipment, ProductModel, Vendor
from aftersales.timeline.admin import RecordedAdminMixin


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ["name", "tac_phone"]
    search_fields = ["name"]


@admin.register(ProductModel)
class ProductModelAdmin(admin.ModelAdmin):
    list_display = ["name", "vendor", "category", "is_hardware"]
    list_filter = ["vendor", "category", "is_hardware"]
    search_fields = ["name", "vendor__name"]


@admin.register(Equipment)
class EquipmentAdmin(RecordedAdminMixin, admin.ModelAdmin):
    list_display = [
        "serial_number",
        "product_model",
        "customer",
        "site",
        "software_version",
        "acceptance_date",
        "warranty_end",
        "contract_price",
    ]
    list_filter = ["vendor", "product_model__category", "customer", "is_active"]
    search_fields = [
        "serial_number",
        "hostname",
        "software_version",
        "product_model__name",
        "site__name",
        "customer__name",
    ]
    autocomplete_fields = ["product_model", "site"]
    date_hierarchy = "acceptance_date"
