from django import template

from aftersales.cases.documents import case_summaries

register = template.Library()


@register.simple_tag(takes_context=True)
def case_summary_documents(context, case):
    """The case summaries the page's user may download (staff both copies, a customer theirs)."""
    return case_summaries(context["user"], case)
