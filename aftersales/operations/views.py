"""/healthz and /metrics: for machines, without log-in, never revealing data."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from aftersales.operations.health import OK, run_checks
from aftersales.operations.metrics import may_scrape, scrape


@never_cache
@require_GET
def healthz(request):
    """200 {"status": "ok", ...} when every check passes, else 503 naming the failed checks."""
    checks = run_checks()
    failed = sorted(name for name, outcome in checks.items() if outcome != OK)
    body = {"status": "failed" if failed else OK, "checks": checks}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)


@never_cache
@require_GET
def metrics(request):
    if not may_scrape(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(scrape()), content_type=CONTENT_TYPE_LATEST)
