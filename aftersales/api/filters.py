"""The API's list filters (`?customer=`, `?site=`, `?contact=`, `?equipment=`, …), built by
django-filter from each view's `filterset_fields`, with one rule added for every filter by id:
its choices come from the caller's own scope.

A customer's contact who filters by another customer's id is answered exactly as for an id
that does not exist (400, "Select a valid choice"): the filter is no oracle for what exists
elsewhere. Staff choose from every row; anyone else from none. An id out of any database's
range is the same field error (see `aftersales.core.lookups`), never a server error.
"""

from __future__ import annotations

from django_filters import rest_framework as filters


def choices_in_scope(model):
    """The rows of `model` a request may filter by, as django-filter's queryset callable."""

    # Imported here: DRF loads this module (a setting) while its views module is loading.
    from aftersales.api.base import is_staff, scope_to_customer
    from aftersales.customers.models import Customer

    def queryset(request):
        rows = model._default_manager.all()
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return rows.none()
        if is_staff(user):
            return rows
        if model is Customer:
            return scope_to_customer(rows, user, field="pk")
        if any(field.name == "customer" for field in model._meta.concrete_fields):
            return scope_to_customer(rows, user)
        return rows.none()

    return queryset


class ScopedFilterSet(filters.FilterSet):
    @classmethod
    def filter_for_field(cls, field, field_name, lookup_expr=None):
        built = super().filter_for_field(field, field_name, lookup_expr)
        if isinstance(built, filters.ModelChoiceFilter | filters.ModelMultipleChoiceFilter):
            built.queryset = choices_in_scope(field.related_model)
        return built


class ScopedFilterBackend(filters.DjangoFilterBackend):
    """DEFAULT_FILTER_BACKENDS: `filterset_fields` become a `ScopedFilterSet`."""

    filterset_base = ScopedFilterSet
