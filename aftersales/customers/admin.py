from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from aftersales.core.errors import DomainError
from aftersales.customers.access import invite_contact
from aftersales.customers.models import Contact, Customer, ServiceOffice, Site
from aftersales.timeline.admin import RecordedAdminMixin


@admin.action(description=_("Invite to the customer portal"))
def invite_to_portal(modeladmin, request, queryset):
    for contact in queryset:
        try:
            invite_contact(contact=contact, by=request.user)
        except DomainError as error:
            modeladmin.message_user(request, f"{contact}: {error.message}", messages.ERROR)
        else:
            modeladmin.message_user(request, f"{contact}: {contact.email}", messages.SUCCESS)


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "title", "phone", "mobile", "email", "is_customer_manager", "is_active"]


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0
    fields = ["name", "address", "region", "service_office", "phone"]


@admin.register(Customer)
class CustomerAdmin(RecordedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "short_name", "code", "kind", "is_key_account", "is_active"]
    list_filter = ["kind", "is_key_account", "is_active"]
    search_fields = ["name", "short_name", "code", "contacts__name", "contacts__mobile", "contacts__phone"]
    inlines = [SiteInline, ContactInline]


@admin.register(Contact)
class ContactAdmin(RecordedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "customer", "title", "mobile", "phone", "email", "is_customer_manager", "is_active"]
    list_filter = ["is_customer_manager", "is_active", "customer"]
    search_fields = ["name", "phone", "mobile", "email", "customer__name", "customer__short_name"]
    autocomplete_fields = ["customer", "user"]
    actions = [invite_to_portal]


@admin.register(Site)
class SiteAdmin(RecordedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "customer", "region", "service_office", "address"]
    list_filter = ["region", "service_office"]
    search_fields = ["name", "address", "region", "customer__name"]
    autocomplete_fields = ["customer"]


@admin.register(ServiceOffice)
class ServiceOfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "phone"]
    search_fields = ["name", "city"]
