"""API rate limits: a budget per token (or per logged-in user) and a budget per client address.

Counters live in Django's cache, which every web process shares (Redis when REDIS_URL is set,
otherwise files under var/cache): a limit of 600 a minute is 600 a minute for the whole site,
not per process. Each budget is a fixed window: `cache.incr` on one key per window, which is
atomic on Redis and costs one small value, however high the limit.

The address budget is checked by `aftersales.api.limits.ApiLimitsMiddleware` before anything
else, so it also counts requests that fail authentication; the per-token budget is a DRF
throttle (`TokenRateThrottle`), checked once the caller is known.
"""

from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import ngettext
from rest_framework.throttling import BaseThrottle

from aftersales.api.models import ApiToken

_PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}
_OFF = {"", "0", "off", "none"}


@dataclass(frozen=True)
class Rate:
    limit: int  # requests allowed …
    period: int  # … per this many seconds


def parse_rate(text: str, *, setting: str = "rate") -> Rate | None:
    """ "600/min" → Rate(600, 60); "off" (or "0", "") → None, meaning no limit.
    Units: s, min, hour, day (also "5min", "2h" for several of them)."""
    value = text.strip().lower()
    if value in _OFF:
        return None
    count, _slash, unit = value.partition("/")
    digits = unit.rstrip("abcdefghijklmnopqrstuvwxyz") if unit[:1].isdigit() else ""
    unit = unit[len(digits) :]
    try:
        limit, factor = int(count), int(digits or 1)
        period = _PERIODS[unit] * factor
    except (ValueError, KeyError):
        raise ImproperlyConfigured(f"{setting}={text!r}: write a rate like 600/min, 20/s, 5000/hour or off") from None
    if limit <= 0 or period <= 0:
        raise ImproperlyConfigured(f"{setting}={text!r}: the number of requests must be positive")
    return Rate(limit=limit, period=period)


def token_rate() -> Rate | None:
    return parse_rate(settings.API_RATE_PER_TOKEN, setting="API_RATE_PER_TOKEN")


def address_rate() -> Rate | None:
    return parse_rate(settings.API_RATE_PER_ADDRESS, setting="API_RATE_PER_ADDRESS")


def spend(budget: str, rate: Rate, *, now: float | None = None) -> int | None:
    """Count one request against `budget`. Returns None while within the rate, else the
    whole seconds until the current window ends (at least 1)."""
    now = time.time() if now is None else now
    window = int(now // rate.period)
    key = f"throttle:{budget}:{rate.period}:{window}"
    timeout = rate.period + 5  # the key outlives its window a little, never a lot
    cache.add(key, 0, timeout)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        count = 1
    if count <= rate.limit:
        return None
    return max(1, math.ceil((window + 1) * rate.period - now))


def client_address(request) -> str:
    """The caller's address: REMOTE_ADDR, unless API_TRUSTED_PROXIES says how many proxies of
    our own append to X-Forwarded-For; then the entry the outermost of them added. Entries
    further left are whatever the client claimed and are never believed."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.API_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            candidate = hops[-min(proxies, len(hops))]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return remote


def address_budget(address: str) -> str:
    """One budget per IPv4 address; per /64 for IPv6, which one client usually holds whole."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "address:unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return f"address:{ip.ipv4_mapped}"
        return f"address:{ipaddress.ip_network(f'{ip}/64', strict=False).network_address}/64"
    return f"address:{ip}"


def retry_message(wait: int) -> str:
    return ngettext(
        "Too many requests. Please try again in %(seconds)d second.",
        "Too many requests. Please try again in %(seconds)d seconds.",
        wait,
    ) % {"seconds": wait}


class TokenRateThrottle(BaseThrottle):
    """API_RATE_PER_TOKEN for each token; a browser session (no token) has the same budget
    per user. Anonymous callers are left to the address budget."""

    def allow_request(self, request, view) -> bool:
        rate = token_rate()
        budget = self.budget(request)
        self._wait = None if rate is None or budget is None else spend(budget, rate)
        return self._wait is None

    @staticmethod
    def budget(request) -> str | None:
        if isinstance(request.auth, ApiToken):
            return f"token:{request.auth.pk}"
        if request.user is not None and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return None

    def wait(self) -> int | None:
        return self._wait
