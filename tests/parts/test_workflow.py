"""The spare-parts state machines are sound tables (checked without the database), and every
move of the part request's table refuses the roles it does not name."""

from __future__ import annotations

import pytest

from aftersales.accounts.roles import Role
from aftersales.core.errors import NotAllowed
from aftersales.parts.workflow import MACHINES, PART_REQUEST_WORKFLOW


@pytest.mark.parametrize("machine", MACHINES, ids=lambda m: m.name)
def test_the_tables_are_sound(machine):
    assert machine.problems(known_roles=Role.values) == []


REFUSED = [(move, role) for move in PART_REQUEST_WORKFLOW.transitions for role in Role if role not in move.roles]


@pytest.mark.parametrize(("move", "role"), REFUSED, ids=[f"{m.name}-{r}" for m, r in REFUSED])
def test_a_role_outside_the_row_is_refused_before_anything_is_written(
    move, role, make_user, working_case, part, engineer
):
    from aftersales.parts import services
    from aftersales.parts.models import PartRequest

    request = services.file_part_request(case=working_case, part=part, faulty_serial="F", by=engineer)
    PartRequest.objects.filter(pk=request.pk).update(status=next(iter(sorted(move.sources))))
    user = make_user(role, username=f"u-{role}")
    before = PartRequest.objects.get(pk=request.pk).status
    with pytest.raises(NotAllowed):
        PART_REQUEST_WORKFLOW.apply(obj=request, action=move.name, by=user)
    assert PartRequest.objects.get(pk=request.pk).status == before
