from django.contrib import admin

from aftersales.parts.models import Part, PartRequest, Rma, StockMovement, Warehouse


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


class ReadOnlyAdmin(admin.ModelAdmin):
    """History written by the services only: administrators read it here, nobody edits it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ["at", "warehouse", "part", "kind", "quantity", "by", "reason"]
    list_filter = ["kind", "warehouse"]
    search_fields = ["part__part_number", "serial_number", "reason"]


@admin.register(PartRequest)
class PartRequestAdmin(ReadOnlyAdmin):
    list_display = ["pk", "case", "part", "quantity", "status", "requested_at"]
    list_filter = ["status"]
    search_fields = ["case__number", "faulty_serial", "good_serial"]


@admin.register(Rma)
class RmaAdmin(ReadOnlyAdmin):
    list_display = ["number", "vendor", "part", "warehouse", "status", "good_received_at", "return_due_at"]
    list_filter = ["status", "vendor"]
    search_fields = ["number", "good_serial", "faulty_serial", "waybill"]
