"""Fields every API serializer and filter shares: an id and a date-time a client may send
anything in, refused field by field (400 in the one error shape), never a server error."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

# Ids are 64-bit (BigAutoField); a larger number names no row in any database.
ID_MAX = 2**63 - 1


class IdField(serializers.IntegerField):
    """A row's id: 1 … 2⁶³−1 (the schema says so, and the fuzzing goes past both ends)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class DateTimeField(serializers.DateTimeField):
    """A moment that exists in UTC and in the local time zone. Year 1 in Asia/Shanghai is
    still year 0 in UTC (which Python cannot hold); such a value is a field error here rather
    than an OverflowError in a comparison or in the database (DRF's own "out of range" error)."""

    def enforce_timezone(self, value):
        try:
            value = super().enforce_timezone(value)
            if value.tzinfo is not None:
                value.astimezone(dt.UTC)
        except OverflowError:
            self.fail("overflow")
        return value


class LookupField(serializers.SlugRelatedField):
    """A row named by a text key (a user name, a team's or vendor's name). A key holding a NUL
    or another control character names no row; it is refused as "does not exist" before the
    database is asked (PostgreSQL refuses NUL in any text parameter)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and any(ord(char) < 32 or ord(char) == 127 for char in data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().to_internal_value(data)
