"""API fixtures: a client per persona, by name; `None` is the anonymous caller."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api(request):
    """api("engineer") → a client logged in as that persona; api(None) → anonymous."""

    def make(persona: str | None, **headers):
        client = APIClient(headers=headers or None)
        if persona is not None:
            client.force_login(request.getfixturevalue(persona))
        return client

    return make
