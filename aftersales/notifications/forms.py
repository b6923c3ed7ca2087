from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.notifications import registry
from aftersales.notifications.models import NotificationPreference
from aftersales.notifications.preferences import staff_events


class PreferenceForm(forms.Form):
    events = forms.MultipleChoiceField(
        label=_("Tell me about"),
        choices=lambda: [(kind.name, kind.label) for kind in registry.staff_kinds()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    channels = forms.MultipleChoiceField(
        label=_("By"),
        choices=NotificationPreference.Via.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one channel.")},
    )
    quiet_start = forms.TimeField(
        label=_("Quiet hours from"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    quiet_end = forms.TimeField(
        label=_("Quiet hours until"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if "quiet_start" in data and "quiet_end" in data:
            if (start is None) != (end is None):
                missing = "quiet_end" if end is None else "quiet_start"
                self.add_error(missing, _("Give both the start and the end of the quiet hours, or neither."))
            elif start is not None and start == end:
                self.add_error("quiet_end", _("The quiet hours must end at another time than they start."))
        return data

    @classmethod
    def initial_for(cls, row: NotificationPreference | None) -> dict:
        if row is None:
            return {"events": staff_events(), "channels": [NotificationPreference.Via.EMAIL]}
        return {
            "events": row.events,
            "channels": row.channels,
            "quiet_start": row.quiet_start,
            "quiet_end": row.quiet_end,
        }
