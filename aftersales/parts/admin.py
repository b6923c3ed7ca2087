from django.contrib import admin

from aftersales.parts.models import Part, Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "city", "vendor_direct_ship", "is_active"]
    filter_horizontal = ["clerks"]


@admin.register(Part)
class PartAdmin(admin.ModelAdmin):
    list_display = ["part_number", "description", "vendor", "serial_tracked", "unit_price", "is_active"]
    list_filter = ["vendor", "serial_tracked"]
    search_fields = ["part_number", "description"]
    filter_horizontal = ["product_models"]
