"""Integers out of the database's range in a query match nothing; they are never an error.

Django (since 5.0) answers `exact`, `gt`, `gte`, `lt` and `lte` on an integer column with a
value out of its range without asking the database (`IntegerFieldOverflow`). Two lookups escape
that and crash with a value from a request: SQLite raises OverflowError ("Python int too large
to convert to SQLite INTEGER"), PostgreSQL DataError ("out of range"):

- `in` on an integer column (`pk__in=[…]`: a form's multiple choice, `copies=9999…`);
- `exact` and `in` on a foreign key (`customer_id=9999…`: a filter by id).

The lookups below are those, with the out-of-range values left out first: they can name no
row, so `exact` matches nothing and `in` keeps the values that can exist (nothing if none).
Registered once, in `CoreConfig.ready`, for every model of the project.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignKey, IntegerField
from django.db.models.fields.related_lookups import RelatedExact, RelatedIn
from django.db.models.lookups import In, Lookup


def _range(field, connection) -> tuple[int | None, int | None]:
    target = getattr(field, "target_field", field)
    if not isinstance(target, IntegerField):
        return None, None
    return connection.ops.integer_field_range(target.get_internal_type())


def _fits(value, low, high) -> bool:
    if not isinstance(value, int) or isinstance(value, bool):
        return True
    return (low is None or value >= low) and (high is None or value <= high)


class _InRange(Lookup):
    """Leave out the direct values the column cannot hold before the SQL is made."""

    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = _range(self.lhs.output_field, connection)
            if self.lookup_name == "in":
                kept = [value for value in self.rhs if _fits(value, low, high)]
                if not kept:
                    raise EmptyResultSet
                self.rhs = kept
            elif not _fits(self.rhs, low, high):
                raise EmptyResultSet
        return super().process_rhs(compiler, connection)


class IntegerFieldInRange(_InRange, In):
    pass


class ForeignKeyExactInRange(_InRange, RelatedExact):
    pass


class ForeignKeyInInRange(_InRange, RelatedIn):
    pass


def register() -> None:
    IntegerField.register_lookup(IntegerFieldInRange)
    ForeignKey.register_lookup(ForeignKeyExactInRange)
    ForeignKey.register_lookup(ForeignKeyInInRange)
