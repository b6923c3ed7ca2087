from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet


class CappedPaginator(Paginator):
    """Counts at most `cap` + 1 rows: a broad search over 100 000 cases need not count them all.

    Past the cap the page says "1000+" and offers the pages it counted.
    """

    cap = 1000
    object_list: QuerySet[Any]  # a query, never a list: counting is left to the database

    @cached_property
    def count(self) -> int:
        # Unordered: the database may stop at cap + 1 matches instead of sorting them all.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap
