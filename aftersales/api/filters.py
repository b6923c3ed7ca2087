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

from aftersales.accounts import policy


def choices_in_scope(model):
    """The rows of `model` a request may filter by, as django-filter's queryset callable."""

    def queryset(request):
        # The one customer-scope rule: staff every row, a customer's contact the rows the
        # model's app registered for their organisation, anyone else (or a model nobody
        # registered, for a customer) none.
        return policy.scope(getattr(request, "user", None), model._default_manager.all())

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
