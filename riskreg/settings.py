"""riskreg settings: one module, configured from the environment.

Every variable is listed in `.env.example` and the README. A bad value stops the
process with ImproperlyConfigured rather than starting with a guess.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. "
            "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    # Development only: DEBUG is on, so this process never serves production traffic.
    SECRET_KEY = "riskreg-development-key-not-for-production-use-0123456789abcdef"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "simple_history",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "basics",
    "editing",
    "registers",
    "governance",
    "riskreg",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the query string or the path: NUL bytes and undecodable
    # input answer 400 here rather than 500 in a database lookup.
    "riskreg.middleware.BadInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "riskreg.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "riskreg.middleware.SessionTimeoutMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "riskreg.security.SignInThrottleMiddleware",
    # axes must come last: it turns a lockout raised by the backend into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "riskreg.urls"
WSGI_APPLICATION = "riskreg.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "riskreg.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite file by default; DATABASE_URL=postgres://... for PostgreSQL (psycopg 3).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while one writer writes; IMMEDIATE takes the write lock
    # at BEGIN, so two users saving at once queue for `timeout` seconds instead of
    # failing half-way with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }


# Cache: pages of closed quarters, the dashboard and the pack list are served from it,
# keyed on what they show (basics.stamps). CACHE_URL: locmem:// (the default: one cache
# in each process), redis://host:6379/1 (one cache for several app servers; needs the
# redis package, installed with riskreg), db://table (the database: run
# `manage.py createcachetable` once), or dummy:// (no caching).
def cache_from_url(url: str) -> dict:
    scheme, found, rest = url.partition("://")
    if not found:
        scheme = ""
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": rest}
    if scheme in ("redis", "rediss"):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "db" and rest:
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": rest}
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(
        f"CACHE_URL must be locmem://, redis://host:port/db, db://table or dummy://; got {url!r}"
    )


CACHES = {
    "default": {
        **cache_from_url(os.environ.get("CACHE_URL", "locmem://riskreg")),
        # A new release may render pages differently: give it a new prefix (or clear the
        # cache) when several releases share one cache.
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "riskreg"),
    }
}
# How long a cached page is kept. Keys change with the data, so this only bounds memory.
PAGE_CACHE_SECONDS = envint("PAGE_CACHE_SECONDS", 24 * 60 * 60)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "riskreg.security.AddressThrottleBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The client's address: how many proxies of our own (nginx, a load balancer) stand in
# front of riskreg, each appending to X-Forwarded-For. 0: the connection's address.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)

# Sign-in throttling. django-axes: AXES_FAILURE_LIMIT failures for one username from one
# address lock that pair out for AXES_COOLOFF_MINUTES; the same user signing in from
# elsewhere is not caught. riskreg.security: SIGN_IN_ADDRESS_LIMIT failures from one
# address, whatever the usernames (spraying), pause every sign-in from it as long.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "riskreg.audit.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
SIGN_IN_ADDRESS_LIMIT = envint("SIGN_IN_ADDRESS_LIMIT", 20)

# The audit log (riskreg.models.AuditEvent): `manage.py prune_audit` deletes older events.
AUDIT_RETENTION_DAYS = envint("AUDIT_RETENTION_DAYS", 400)

# Spreadsheet import of a register: the largest file and the most rows one upload may hold.
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 2 * 1024 * 1024)
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", 2000)

# E-mail through the force's SMTP relay, for password reset and the reminder digests.
# With no EMAIL_HOST neither is offered: reset's pages answer 404 and `send_reminders`
# refuses to run. Links in e-mails start with SITE_URL.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS (STARTTLS, port 587) or EMAIL_USE_SSL, not both")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "riskreg <riskreg@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if SITE_URL and not SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"SITE_URL must start with https:// or http://; got {SITE_URL!r}")
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_MINUTES", 60) * 60

# Sessions: 30 minutes idle, 10 hours in all (riskreg.middleware.SessionTimeoutMiddleware).
SESSION_IDLE_TIMEOUT = envint("SESSION_IDLE_MINUTES", 30) * 60
SESSION_ABSOLUTE_TIMEOUT = envint("SESSION_ABSOLUTE_HOURS", 10) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# With DEBUG off, static files are served from STATIC_ROOT (`collectstatic`) under hashed
# names; tests/riskreg/test_pack_production.py renders the pack with this storage.
PRODUCTION_STATICFILES_BACKEND = "whitenoise.storage.CompressedManifestStaticFilesStorage"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else PRODUCTION_STATICFILES_BACKEND
    },
}

# Background work (django-tasks with its database backend, so no extra server): big PDF
# packs are queued and built by `python manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# The read-only API (api/): a user's token or a signed-in browser's session; JSON only (no
# browsable API, whose forms and inline scripts the pages do not need); paginated; each user
# API_REQUESTS_PER_HOUR requests an hour (a Power BI refresh of a 2,000-risk register is
# about 25). Schema and documentation page by drf-spectacular, served with their assets.
API_REQUESTS_PER_HOUR = envint("API_REQUESTS_PER_HOUR", 2000)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ViewPermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pages",
    "DEFAULT_FILTER_BACKENDS": ["api.filters.FilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": f"{API_REQUESTS_PER_HOUR}/hour"},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.views.refusals_audited",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "riskreg API",
    "DESCRIPTION": "Read-only JSON for reporting tools: registers, quarters, the register as "
    "at a quarter, live risks (officers), CIPFA, HMIC and the delivery plan. Each reader sees "
    "what their pages show: PCC staff the published quarters and governance as published.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its page for signed-in users (a session or a token), like every page.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        # A risk's status and a quarter's are the same pair: open, closed.
        "OpenClosedEnum": "registers.models.Risk.Status",
        "RecommendationStatusEnum": "governance.models.Recommendation.Status",
    },
}

# Content Security Policy: everything from our own origin, nothing inline, no frames.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    # Behind a TLS-terminating proxy (nginx, a load balancer) that sets this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name} {message}", "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "loggers": {
        "riskreg.security": {"handlers": ["console"], "level": "INFO", "propagate": True},
        "django": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    },
}

# --- Single sign-on (OpenID Connect) and local sign-in ------------------------------------
# mozilla-django-oidc through riskreg.sso, which reads these when used, so nothing reaches
# the provider until someone signs in. Configured when OIDC_CLIENT_ID is set, with either
# OIDC_ISSUER (endpoints from its discovery document) or the endpoints themselves.
from riskreg.roles import ADMINISTRATOR, CHIEF_OFFICER, PCC_STAFF, RISK_OFFICER  # noqa: E402

OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_JWKS_ENDPOINT", "")
OIDC_RP_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_SIGN_ALGO", "RS256")
OIDC_USE_PKCE = envbool("OIDC_USE_PKCE", True)
OIDC_TIMEOUT = envint("OIDC_TIMEOUT_SECONDS", 10)
# The claim naming the user (an Entra ID user's UPN is preferred_username), and the claim
# listing their groups; OIDC_ROLE_MAP says which group gives which role:
# "group=Risk Officer;other group=PCC Staff" (roles: riskreg/roles.py, or Administrator).
OIDC_USERNAME_CLAIM = os.environ.get("OIDC_USERNAME_CLAIM", "preferred_username")
OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM", "groups")
OIDC_ROLE_MAP: dict[str, str] = {}
for _pair in filter(None, (p.strip() for p in os.environ.get("OIDC_ROLE_MAP", "").split(";"))):
    _group, _sep, _role = (part.strip() for part in _pair.rpartition("="))
    if (
        not _sep
        or not _group
        or _role not in (RISK_OFFICER, CHIEF_OFFICER, PCC_STAFF, ADMINISTRATOR)
    ):
        raise ImproperlyConfigured(
            f"OIDC_ROLE_MAP entries are 'group=role' separated by ';', the role one of "
            f"{RISK_OFFICER}, {CHIEF_OFFICER}, {PCC_STAFF}, {ADMINISTRATOR}; got {_pair!r}"
        )
    OIDC_ROLE_MAP[_group] = _role
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "your organisation's account")
# How long a sign-in stands before it is checked again, silently, with the provider: a user
# disabled there is signed out at the next check (mozilla-django-oidc's SessionRefresh).
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = envint("OIDC_RENEW_SECONDS", 15 * 60)
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
LOGIN_REDIRECT_URL_FAILURE = "login"
if (
    OIDC_RP_CLIENT_ID
    and not OIDC_ISSUER
    and not (
        OIDC_OP_AUTHORIZATION_ENDPOINT
        and OIDC_OP_TOKEN_ENDPOINT
        and OIDC_OP_USER_ENDPOINT
        and OIDC_OP_JWKS_ENDPOINT
    )
):
    raise ImproperlyConfigured(
        "OIDC_CLIENT_ID needs OIDC_ISSUER, or OIDC_AUTHORIZATION_ENDPOINT, OIDC_TOKEN_ENDPOINT, "
        "OIDC_USERINFO_ENDPOINT and OIDC_JWKS_ENDPOINT"
    )
# Sign-in with a username and password (LOCAL_SIGN_IN=0: only through the provider).
LOCAL_SIGN_IN = envbool("LOCAL_SIGN_IN", True)
if not LOCAL_SIGN_IN and not OIDC_RP_CLIENT_ID:
    raise ImproperlyConfigured("LOCAL_SIGN_IN=0 needs OIDC_CLIENT_ID: nobody could sign in")
AUTHENTICATION_BACKENDS = [
    "riskreg.sso.LocalPasswordBackend" if b == "django.contrib.auth.backends.ModelBackend" else b
    for b in AUTHENTICATION_BACKENDS
] + ["riskreg.sso.ProviderBackend"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("riskreg.middleware.SessionTimeoutMiddleware") + 1,
    "riskreg.sso.SessionRefresh",
)

# --- E-mail reminder digests (`python manage.py send_reminders`, run daily; README) --------
INSTALLED_APPS.append("reminders")
