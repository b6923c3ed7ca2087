"""What dispatch tells the case queue: which cases are in a member of staff's region or team."""

from __future__ import annotations

from django.db.models import Q

from aftersales.dispatch.models import Engineer, Team


def near(user) -> Q | None:
    """Cases routed to one of the user's teams, or at a site in the user's region (the engineer
    profile's, and the regions of the teams the user belongs to); None when the user has
    neither a team nor a region."""
    if not getattr(user, "pk", None):
        return None
    teams = Team.objects.filter(members=user)
    regions = set(teams.exclude(region="").values_list("region", flat=True))
    regions |= set(Engineer.objects.filter(user=user).exclude(region="").values_list("region", flat=True))
    has_team = teams.exists()
    if not has_team and not regions:
        return None
    area = Q(team_id__in=teams.values("pk")) if has_team else Q(pk__in=[])
    if regions:
        area |= Q(site__region__in=sorted(regions))
    return area
