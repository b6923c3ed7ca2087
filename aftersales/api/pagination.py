"""Cursor pagination: stable under inserts, and never an OFFSET scan."""

from __future__ import annotations

import base64
import datetime as dt
import json

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination, CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


class IdCursorPagination(CursorPagination):
    """Master data in creation order (the primary key is unique, so the order is stable)."""

    ordering = "pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class CaseCursorPagination(BasePagination):
    """Keyset pagination in the queue's own order (severity, opened, id — or the nearest
    deadline first, cases without one last). The cursor is the last row's sort key, so a page
    is an index range and a case opened meanwhile neither repeats nor skips a row."""

    page_size = 50
    max_page_size = 200
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.by_due = getattr(view, "sort", "severity") == "due"
        size = self._page_size(request)
        position = self._decode(request.query_params.get(self.cursor_query_param))
        if position is not None:
            queryset = queryset.filter(self._after(position))
        rows = list(queryset[: size + 1])
        self.has_next = len(rows) > size
        self.page = rows[:size]
        return self.page

    def get_paginated_response(self, data):
        return Response({"next": self._next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The `next` link's cursor.",
                "schema": {"type": "string"},
            },
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "description": f"Rows per page (at most {self.max_page_size}).",
                "schema": {"type": "integer"},
            },
        ]

    def _page_size(self, request) -> int:
        try:
            size = int(request.query_params.get("page_size", self.page_size))
        except ValueError:
            raise ValidationError({"page_size": [_("Invalid page size.")]}) from None
        return max(1, min(size, self.max_page_size))

    def _after(self, p: dict) -> Q:
        opened = dt.datetime.fromisoformat(p["o"])
        rest = (
            Q(severity__gt=p["s"])
            | Q(severity=p["s"], opened_at__gt=opened)
            | Q(severity=p["s"], opened_at=opened, pk__gt=p["i"])
        )
        if not self.by_due:
            return rest
        if p.get("d") is None:
            return Q(next_due_at__isnull=True) & rest
        due = dt.datetime.fromisoformat(p["d"])
        return Q(next_due_at__gt=due) | Q(next_due_at__isnull=True) | (Q(next_due_at=due) & rest)

    def _next_link(self) -> str | None:
        if not self.has_next:
            return None
        last = self.page[-1]
        position = {"s": last.severity, "o": last.opened_at.isoformat(), "i": last.pk}
        if self.by_due:
            position["d"] = last.next_due_at.isoformat() if last.next_due_at else None
        cursor = base64.urlsafe_b64encode(json.dumps(position).encode()).decode()
        return replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, cursor)

    def _decode(self, cursor: str | None) -> dict | None:
        if not cursor:
            return None
        try:
            position = json.loads(base64.urlsafe_b64decode(cursor.encode()))
            dt.datetime.fromisoformat(position["o"])
            int(position["i"])
            str(position["s"])
            if position.get("d") is not None:
                dt.datetime.fromisoformat(position["d"])
        except (ValueError, KeyError, TypeError):
            raise NotFound(_("Invalid cursor.")) from None
        return position
