"""Every row an API client names by text (a user name, a team's name) goes through LookupField,
which refuses control characters before the database sees them (PostgreSQL rejects NUL)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from rest_framework import serializers

from aftersales.api.fields import LookupField

API = Path(__file__).resolve().parents[2] / "aftersales" / "api"


def test_writable_text_lookups_are_lookup_fields():
    offenders = []
    for path in sorted(API.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("SlugRelatedField"):
                read_only = any(k.arg == "read_only" and ast.unparse(k.value) == "True" for k in node.keywords)
                if not read_only:
                    offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == [], "name rows by text through aftersales.api.fields.LookupField"


@pytest.mark.parametrize("value", ["\x00", "wang\x00", "a\x1fb", "\x7f"])
def test_a_key_with_a_control_character_names_no_row(db, value):
    field = LookupField(
        slug_field="username", queryset=__import__("django.contrib.auth").contrib.auth.get_user_model().objects.all()
    )
    with pytest.raises(serializers.ValidationError) as refused:
        field.run_validation(value)
    assert refused.value.detail[0].code == "does_not_exist"
