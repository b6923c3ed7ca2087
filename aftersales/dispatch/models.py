from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    L1 = "L1", _("L1 installation & maintenance")
    L2 = "L2", _("L2 field support")
    L3 = "L3", _("L3 expert centre (COE/ITAC)")
    L4 = "L4", _("L4 R&D / vendor")


class Team(models.Model):
    """A group of staff that cases are routed to (a department or a support tier)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    tier = models.CharField(_("tier"), max_length=2, choices=Tier.choices, default=Tier.L1)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="teams", verbose_name=_("members")
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_teams",
        verbose_name=_("manager"),
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["tier", "name"]

    def __str__(self) -> str:
        return self.name
