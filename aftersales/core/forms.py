import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service that stores it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class DateTimeField(forms.DateTimeField):
    """A moment that exists in UTC as well as in the local time zone: year 1 in Asia/Shanghai
    is year 0 in UTC, which Python cannot hold; that is a field error, not an OverflowError
    where the value is compared or stored."""

    default_error_messages = {"overflow": _("This date and time is out of range.")}

    def to_python(self, value):
        result = super().to_python(value)
        try:
            if result is not None and result.tzinfo is not None:
                result.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["overflow"], code="overflow") from None
        return result


def apply_domain_error(form: forms.Form, error) -> None:
    """Show a DomainError on the form: field messages where the field exists, else on top."""
    placed = False
    for field, messages in (error.fields or {}).items():
        for message in messages:
            if field in form.fields:
                form.add_error(field, message)
                placed = True
    if not placed or not error.fields:
        form.add_error(None, str(error.message))
