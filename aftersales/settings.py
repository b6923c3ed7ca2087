"""Settings: everything comes from environment variables (see .env.example).

With no variables set this is a self-contained demo: SQLite in ./var, Huey on SQLite,
Simplified Chinese, Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
from pathlib import Path

import dj_database_url

from aftersales.env import ConfigError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("AFTERSALES_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    # Demo default: a key generated once and kept beside the database.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Key of the secrets stored in the database (aftersales/core/secretbox.py); empty: derived
# from SECRET_KEY. Set it before rotating SECRET_KEY; old keys stay readable in SECRETS_KEY_OLD.
SECRETS_KEY = env_str("SECRETS_KEY")
SECRETS_KEY_OLD = env_list("SECRETS_KEY_OLD")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "huey.contrib.djhuey",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "aftersales.core",
    "aftersales.accounts",
    "aftersales.customers",
    "aftersales.installed_base",
    "aftersales.contracts",
    "aftersales.calendars",
    "aftersales.timeline",
    "aftersales.deadlines",
    "aftersales.approvals",
    "aftersales.dispatch",
    "aftersales.cases",
    "aftersales.sla",
    "aftersales.field",
    "aftersales.parts",
    "aftersales.reports",
    "aftersales.documents",
    "aftersales.notifications",
    "aftersales.api",
    "aftersales.inbox",
    "aftersales.portal",
    "aftersales.monitoring",
    "aftersales.operations",
    "aftersales.demo",
]

MIDDLEWARE = [
    # Outermost: request latency by view (django-prometheus) and the one line per request.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "aftersales.operations.requestlog.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "aftersales.api.limits.ApiLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "aftersales.accounts.middleware.UserLanguageMiddleware",
    "aftersales.accounts.customer_boundary.CustomerBoundaryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "aftersales.core.middleware.ContentSecurityPolicyMiddleware",
    # Last, so that its lock-out page is rendered in the language chosen above.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "aftersales.urls"
WSGI_APPLICATION = "aftersales.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Log-in: lock-out after repeated failures (django-axes), password policy ------------------
# The lock-out backend comes first: a locked account or address is refused before any password
# is checked. Staff, portal and admin log-in forms all pass through it.
AUTHENTICATION_BACKENDS = [
    "aftersales.accounts.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
# Each entry locks on its own: an account after N failures from anywhere, an address after N
# failures on any accounts.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A successful log-in forgets that account's failures from that address only (see LockoutHandler).
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "aftersales.accounts.lockout.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "aftersales.accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429  # the lock-out page's status (axes' default, named for lockout_response)
# The same client address as the API's rate limits (API_TRUSTED_PROXIES).
AXES_CLIENT_IP_CALLABLE = "aftersales.api.throttling.client_address"
AXES_USERNAME_CALLABLE = "aftersales.accounts.lockout.attempted_username"
AXES_VERBOSE = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Widget templates (cases/widgets/...) live with the other templates; the default form
# renderer would look only in Django's own widget directory.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "aftersales" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "aftersales.accounts.context_processors.roles",
            ],
            "builtins": ["aftersales.accounts.templatetags.policy"],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'aftersales.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue up instead of failing half-way through.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background work (Huey) -------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
HUEY = {
    "name": "aftersales",
    "immediate": env_bool("HUEY_IMMEDIATE", False),
    "consumer": {"workers": env_int("HUEY_WORKERS", 2), "worker_type": "thread"},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")})

# --- Cache: the API's rate-limit counters, which every web process must share ---------------
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "aftersales",
        }
    }
else:
    # Files under var/ are seen by every process on this host (several hosts need REDIS_URL).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "aftersales" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request if it is missing
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # attachments are served only through a checked view
# Where attachments and generated files live: `local` (MEDIA_ROOT, one host or a shared
# mount) or `s3`, any S3-compatible object store shared by every web host and worker
# (docs/operations.md, "Attachments on object storage").
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "local").strip().lower()


def media_storage(kind: str) -> dict:
    """The default storage for MEDIA_STORAGE=`kind`, the object store's from the S3_* variables."""
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ConfigError(f"MEDIA_STORAGE={kind!r} is neither 'local' nor 's3'")
    bucket = env_str("S3_BUCKET")
    if not bucket:
        raise ConfigError("MEDIA_STORAGE=s3 needs S3_BUCKET")
    addressing = env_str("S3_ADDRESSING_STYLE", "auto")
    if addressing not in ("auto", "path", "virtual"):
        raise ConfigError(f"S3_ADDRESSING_STYLE={addressing!r} is not auto, path or virtual")
    return {
        "BACKEND": "aftersales.core.objectstorage.ObjectStorage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,  # empty: Amazon S3 itself
            "region_name": env_str("S3_REGION") or None,
            # Empty keys: boto3's own chain (AWS_* variables, an instance role).
            "access_key": env_str("S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY") or None,
            "location": env_str("S3_PREFIX").strip("/"),
            "addressing_style": None if addressing == "auto" else addressing,
            "timeout": env_int("S3_TIMEOUT", 10),
            "max_attempts": env_int("S3_MAX_ATTEMPTS", 3),
        },
    }


STORAGES = {
    "default": media_storage(MEDIA_STORAGE),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Portal self-registration (rates as for the API: 10/hour, 3/day, or off).
PORTAL_REGISTER_RATE_PER_ADDRESS = env_str("PORTAL_REGISTER_RATE_PER_ADDRESS", "10/hour")
PORTAL_REGISTER_RATE_PER_EMAIL = env_str("PORTAL_REGISTER_RATE_PER_EMAIL", "3/day")

# --- Security (docs/security.md) ---------------------------------------------------------------
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
SESSION_COOKIE_HTTPONLY = True
# Behind TLS, cookies are secure unless SECURE_COOKIES=0 says otherwise.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", BEHIND_TLS_PROXY)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # A load balancer's probe and Prometheus may ask over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = False
# Content-Security-Policy of every answer (aftersales/core/middleware.py): scripts only from
# our own static files, never inline. Styles may be inline: the admin and Swagger UI ship
# <style> blocks and style attributes, and a style cannot run script.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "aftersales@localhost")
# The domain of the Message-IDs we send (see aftersales/core/mailids.py).
MAIL_DOMAIN = env_str("MAIL_DOMAIN", "aftersales.localhost")

# --- Notifications out: SMTP, SMS, group robots (docs/notifications.md) --------------------
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
NOTIFY_REPLY_TO = env_str("NOTIFY_REPLY_TO")  # the desk's mailbox that replies should reach
NOTIFY_SMS_BACKEND = env_str("NOTIFY_SMS_BACKEND", "logging")  # logging | http | dotted path
NOTIFY_SMS_URL = env_str("NOTIFY_SMS_URL")
NOTIFY_SMS_KEY = env_str("NOTIFY_SMS_KEY")
NOTIFY_SMS_TEMPLATE = env_str("NOTIFY_SMS_TEMPLATE")
NOTIFY_DINGTALK_WEBHOOK = env_str("NOTIFY_DINGTALK_WEBHOOK")
NOTIFY_DINGTALK_SECRET = env_str("NOTIFY_DINGTALK_SECRET")
NOTIFY_WECOM_WEBHOOK = env_str("NOTIFY_WECOM_WEBHOOK")
NOTIFY_FEISHU_WEBHOOK = env_str("NOTIFY_FEISHU_WEBHOOK")
NOTIFY_FEISHU_SECRET = env_str("NOTIFY_FEISHU_SECRET")
NOTIFY_IM_LANGUAGE = env_str("NOTIFY_IM_LANGUAGE", "zh-hans")
NOTIFY_HTTP_TIMEOUT = env_int("NOTIFY_HTTP_TIMEOUT", 10)
NOTIFY_GIVE_UP_HOURS = env_int("NOTIFY_GIVE_UP_HOURS", 24)
# How long a worker's claim on the messages it is sending lasts: a worker killed mid-send
# leaves them to the others once it lapses. Longer than a batch's sends may take.
NOTIFY_CLAIM_LEASE_SECONDS = env_int("NOTIFY_CLAIM_LEASE_SECONDS", 600)

# One line per event on the console (aftersales/core/logs.py): an expected refusal (403, 404,
# a domain error) without its traceback; real failures with theirs.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# LOG_FORMAT=json: every record one JSON object on one line, plus one per request
# (aftersales.requests) and one per job (aftersales.jobs) — docs/operations.md, "Logs".
LOG_FORMAT = env_str("LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in {"text", "json"}:
    raise ConfigError(f"LOG_FORMAT={LOG_FORMAT!r} is not text or json")
JSON_LOGS = LOG_FORMAT == "json"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "expected_refusals": {"()": "aftersales.core.logs.ExpectedRefusalFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "task_start": {"()": "aftersales.core.logs.TaskStartFilter"},
    },
    "formatters": {
        "line": {
            "()": "aftersales.core.logs.OneLineFormatter",
            "format": "[{asctime}] {levelname} {name}: {message}",
            "datefmt": "%Y-%m-%d %H:%M:%S",
            "style": "{",
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            # "time": ISO 8601 in UTC, whatever TIME_ZONE says.
            "fmt": "%(levelname)s %(name)s %(message)s",
            "timestamp": "time",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if JSON_LOGS else "line",
            "filters": ["expected_refusals"],
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default gives `django` a console of its own (with DEBUG): the root's is the one.
        "django": {"handlers": ["mail_admins"], "level": LOG_LEVEL},
        # A 4xx is the client's outcome, already one line in the server's access log
        # (`django.server`, gunicorn's); 5xx are logged here, with their traceback.
        "django.request": {"level": "ERROR"},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Huey's consumer adds a handler of its own to "huey" unless it has one: with the
        # root's as well, every worker line came twice. One line per task run; its start-up
        # banner and the scheduler's "enqueueing" lines are routine (WORKER_LOG_LEVEL=INFO).
        # In JSON, aftersales.jobs writes the one line per job; Huey's own stays for failures.
        "huey": {
            "handlers": ["console"],
            "filters": ["task_start"],
            "level": "WARNING" if JSON_LOGS else LOG_LEVEL,
            "propagate": False,
        },
        "huey.consumer": {"level": env_str("WORKER_LOG_LEVEL", "WARNING")},
        # django-axes says every successful log-in at INFO; lock-outs are WARNING.
        "axes": {"level": "WARNING"},
        # One record per request and per job: in JSON only (the text console has the access
        # log of gunicorn or runserver, and Huey's line per job); CRITICAL: off, they never are.
        "aftersales.requests": {"level": "INFO" if JSON_LOGS else "CRITICAL"},
        "aftersales.jobs": {"level": "INFO" if JSON_LOGS else "CRITICAL"},
    },
}

# --- Health, metrics, backups (docs/operations.md) -------------------------------------------
# /healthz fails when no worker has run its heartbeat task (every minute) for this long.
HEALTH_HEARTBEAT_MAX_AGE = env_int("HEALTH_HEARTBEAT_MAX_AGE", 120)
# /metrics answers a client within METRICS_ALLOWED_IPS (addresses or networks) or one sending
# "Authorization: Bearer <METRICS_TOKEN>"; everyone else gets 403.
METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ConfigError(f"METRICS_ALLOWED_IPS: {_network!r} is not an address or network") from None

# --- REST API (docs/api.md) ---------------------------------------------------------------
REST_FRAMEWORK = {
    # The token class comes first so that a request without credentials gets 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "aftersales.api.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "aftersales.api.tokens.TokenScope",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["aftersales.api.filters.ScopedFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "aftersales.api.errors.exception_handler",
    # The per-address budget is checked earlier, by aftersales.api.limits.ApiLimitsMiddleware.
    "DEFAULT_THROTTLE_CLASSES": ["aftersales.api.throttling.TokenRateThrottle"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Rates like 600/min, 20/s, 5000/hour, or off. Bodies: JSON up to API_MAX_BODY_BYTES, uploads
# up to ATTACHMENT_MAX_BYTES plus 1 MiB. API_TRUSTED_PROXIES: how many proxies of ours append
# to X-Forwarded-For (0: the client's address is REMOTE_ADDR and the header is ignored).
API_RATE_PER_TOKEN = env_str("API_RATE_PER_TOKEN", "600/min")
API_RATE_PER_ADDRESS = env_str("API_RATE_PER_ADDRESS", "1200/min")
API_TRUSTED_PROXIES = env_int("API_TRUSTED_PROXIES", 0)
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1024 * 1024)
SPECTACULAR_SETTINGS = {
    "TITLE": "Aftersales API",
    "DESCRIPTION": "After-sales service management: cases, customers, installed base. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # validatorUrl None: Swagger UI would otherwise send the schema to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    # The error answers (one shape) and Content-Language of every operation: aftersales/api/schema.py.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "aftersales.api.schema.document_errors"],
    "ENUM_NAME_OVERRIDES": {
        "CaseKindEnum": "aftersales.cases.models.Kind",
        "CaseStatusEnum": "aftersales.cases.models.Status",
        "EventKindEnum": "aftersales.cases.models.EventKind",
        "SeverityEnum": "aftersales.cases.models.Severity",
        "CustomerKindEnum": "aftersales.customers.models.Customer.Kind",
        "VisitStatusEnum": "aftersales.field.models.Visit.Status",
        "DocumentStatusEnum": "aftersales.documents.models.Document.Status",
        "ServiceReportKindEnum": "aftersales.field.models.ReportKind",
        "ShiftKindEnum": "aftersales.dispatch.models.Shift.Kind",
        "VendorCaseKindEnum": "aftersales.dispatch.models.VendorCase.Kind",
        "VendorCaseSeverityEnum": "aftersales.dispatch.models.VendorCase.Severity",
        "PartsConsentChannelEnum": "aftersales.parts.models.ConsentChannel",
        "PartRequestStatusEnum": "aftersales.parts.models.PartRequest.Status",
        "RmaStatusEnum": "aftersales.parts.models.Rma.Status",
        "QuoteStatusEnum": "aftersales.parts.models.Quote.Status",
        "ReturnOfferStatusEnum": "aftersales.parts.models.ReturnOffer.Status",
    },
}

# --- Domain -----------------------------------------------------------------------------
HOTLINE_NUMBER = env_str("HOTLINE_NUMBER", "400-820-8820")
CASE_PAGE_SIZE = 50
# Excel exports (docs/reports.md): up to this many rows stream at once, more go to the worker;
# a background export is kept this many days for its requester.
EXPORT_STREAM_MAX_ROWS = env_int("EXPORT_STREAM_MAX_ROWS", 2000)
EXPORT_KEEP_DAYS = env_int("EXPORT_KEEP_DAYS", 3)

# --- E-mail in (docs/inbox.md); mailboxes themselves are configured in the administration ---
INBOX_FETCH_LIMIT = env_int("INBOX_FETCH_LIMIT", 200)  # messages per mailbox and run
INBOX_MAX_ATTACHMENTS = env_int("INBOX_MAX_ATTACHMENTS", 20)  # files kept from one message
INBOX_IMAP_TIMEOUT = env_int("INBOX_IMAP_TIMEOUT", 60)  # seconds
