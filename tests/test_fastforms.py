import re

from django import forms

from aftersales.core.templatetags.fastforms import fast_select
from tests.factories import CustomerFactory


class _Form(forms.Form):
    kind = forms.ChoiceField(choices=[("", "任意"), ("a", "甲 <b>"), ("b", "乙")], required=False)
    customer = forms.ModelChoiceField(queryset=None, required=False, empty_label="任意客户")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from aftersales.customers.models import Customer

        self.fields["customer"].queryset = Customer.objects.order_by("pk")


def _options(html):
    return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', html)


def test_fast_select_offers_the_same_options_and_selection_as_the_widget(db):
    customers = [CustomerFactory(), CustomerFactory()]
    form = _Form({"kind": "a", "customer": str(customers[1].pk)})
    for name in ("kind", "customer"):
        fast, slow = str(fast_select(form[name])), str(form[name])
        assert [(v, bool(s)) for v, s, _ in _options(fast)] == [(v, bool(s)) for v, s, _ in _options(slow)]
    assert "甲 &lt;b&gt;" in str(fast_select(form["kind"]))
