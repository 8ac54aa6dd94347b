"""Settings for the portal, read from the environment in this one module.

Development gets safe throwaway defaults (SQLite and secrets under ``var/``);
production refuses to start until every secret is supplied.
"""

import base64
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))

PORTAL_ENV = os.environ.get("PORTAL_ENV", "development")
if PORTAL_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("PORTAL_ENV must be 'development' or 'production'.")
PRODUCTION = PORTAL_ENV == "production"

# Production secrets: all are listed in one message so an operator fixes them in one go.
# Each entry is satisfied by any one of its variables.
REQUIRED_IN_PRODUCTION: tuple[tuple[str, ...], ...] = (
    ("SECRET_KEY",),
    ("DATABASE_URL",),
    ("ALLOWED_HOSTS",),
    ("PORTAL_MASTER_KEYS", "PORTAL_MASTER_KEYS_FILE"),
    ("PORTAL_SIGNING_KEY",),
    # The site's public address, for the links in emails (WAGTAILADMIN_BASE_URL: its older name).
    ("PORTAL_BASE_URL", "WAGTAILADMIN_BASE_URL"),
)
if os.environ.get("PORTAL_FILE_STORAGE") == "s3":
    REQUIRED_IN_PRODUCTION += (("S3_BUCKET",),)
# Production texts sign-in codes through Twilio unless SMS_BACKEND names another gateway.
if (os.environ.get("SMS_BACKEND") or "portal.sms.TwilioBackend") == "portal.sms.TwilioBackend":
    REQUIRED_IN_PRODUCTION += (
        ("TWILIO_ACCOUNT_SID",),
        ("TWILIO_AUTH_TOKEN", "TWILIO_API_KEY_SECRET"),
        ("TWILIO_FROM_NUMBER", "TWILIO_MESSAGING_SERVICE_SID"),
    )
    if os.environ.get("TWILIO_API_KEY_SECRET"):
        REQUIRED_IN_PRODUCTION += (("TWILIO_API_KEY_SID",),)
if PRODUCTION:
    missing = [" or ".join(names) for names in REQUIRED_IN_PRODUCTION if not any(os.environ.get(n) for n in names)]
    if missing:
        raise ImproperlyConfigured(
            "The portal will not start in production without these environment "
            f"variables: {', '.join(missing)}. See README.md, 'Configuration'."
        )


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _development_secret(filename: str, make=lambda: secrets.token_urlsafe(50)) -> str:
    """A throwaway secret kept in var/ so development sessions survive restarts."""
    path = VAR_DIR / filename
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        # Created readable by its owner only, from the first byte.
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as secret_file:
            secret_file.write(make())
    return path.read_text().strip()


def _master_keys() -> str:
    """The master keys as ``id:base64key`` pairs, newest first (parsed by portal.crypto)."""
    if os.environ.get("PORTAL_MASTER_KEYS"):
        return os.environ["PORTAL_MASTER_KEYS"]
    if path := os.environ.get("PORTAL_MASTER_KEYS_FILE"):
        try:
            return Path(path).read_text()
        except OSError as error:
            raise ImproperlyConfigured(f"PORTAL_MASTER_KEYS_FILE cannot be read: {error.strerror}.") from None
    return _development_secret(
        "master_keys",
        lambda: f"dev-{secrets.token_hex(4)}:{base64.b64encode(secrets.token_bytes(32)).decode()}",
    )


SECRET_KEY = os.environ.get("SECRET_KEY") or _development_secret("secret_key")
DEBUG = _env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost")

# Keys that wrap every member's data key. Kept outside the database, and backed up apart
# from it (docs/encryption.md).
PORTAL_MASTER_KEYS = _master_keys()
# Ed25519 key (base64 of the raw 32 bytes) that signs export bundles, so police and courts can
# check they came from the portal unchanged (docs/verifying-evidence.md).
PORTAL_SIGNING_KEY = os.environ.get("PORTAL_SIGNING_KEY") or _development_secret(
    "signing_key", lambda: base64.b64encode(secrets.token_bytes(32)).decode()
)

# A neutral name: it is what a person looking over the member's shoulder sees in the tab.
SITE_NAME = os.environ.get("SITE_NAME", "Daybook")
# The address the portal is served on, with no path: every link in an email starts with it (a
# worker sending a notice has no request to take a host from), and in development passkeys belong
# to it. `make run` sets it from its PORT. WAGTAILADMIN_BASE_URL is accepted as its older name.
PORTAL_BASE_URL = (
    os.environ.get("PORTAL_BASE_URL") or os.environ.get("WAGTAILADMIN_BASE_URL") or "http://localhost:8000"
).rstrip("/")
# Where the quick exit goes. Not personalised; fast and unremarkable.
QUICK_EXIT_URL = os.environ.get("QUICK_EXIT_URL", "https://www.bbc.co.uk/weather")

INSTALLED_APPS = [
    "portal",
    "portal.accounts",
    "diary",
    "safety_plans",
    "casework",
    "content",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Wagtail search uses PostgreSQL full-text search through this app.
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "axes",
    "django_tasks_db",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    # The advice library's sitemap.xml (Django's sitemaps app brings its template).
    "wagtail.contrib.sitemaps",
    "django.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
]

MIDDLEWARE = [
    # An id for each request (the proxy's X-Request-ID, or a new one) on its log lines and its answer.
    "portal.logs.RequestIdMiddleware",
    # /healthz and /readyz, answered before the host check and the HTTPS redirect: probes come
    # straight to the app server, over plain HTTP, under whatever address the orchestrator uses.
    "portal.health.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Production's /static/ (hashed, compressed, cached for good), before anything reads a session.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Near the top so that responses made by the middleware below (the staff areas' 403,
    # the session timeout's redirect) are not framed either.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "portal.security.SecurityHeadersMiddleware",
    # Inside the headers above and outside everything that reads the database: a request that
    # fails because the database is down gets "try again in a moment" (503), not the error page.
    "portal.outage.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Gives request.user is_verified(): whether this session passed the second step.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.security.SessionTimeoutMiddleware",
    "portal.security.KeyScopeMiddleware",
    "portal.security.NoStoreMiddleware",
    # The one gate for the second step, in front of every signed-in page and both admins.
    "portal.accounts.middleware.TwoStepMiddleware",
    # Keeps each signed-in session's row (the owner's list of sessions) up to date.
    "portal.accounts.middleware.SignedInSessionMiddleware",
    "portal.accounts.middleware.StaffAreaMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, so it sees the lockout flag the authentication backend sets.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'portal.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "portal.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out credentials before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "portal.accounts.auth.RoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
LOGIN_REDIRECT_URL = "home"
# A member's request to delete their account waits this long; signing in cancels it.
ACCOUNT_DELETION_GRACE = timedelta(days=int(os.environ.get("ACCOUNT_DELETION_GRACE_DAYS", "14")))
# Largest diary attachment accepted (per file): a phone video of a few minutes fits.
DIARY_MAX_UPLOAD_BYTES = int(os.environ.get("DIARY_MAX_UPLOAD_MB", "50")) * 1024 * 1024

ACCOUNT_ADAPTER = "portal.accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "portal.accounts.forms.SignupForm",
    "reset_password_from_key": "portal.accounts.forms.ResetPasswordKeyForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# One address per account; changing it is the portal's own page (portal.accounts.services.email).
ACCOUNT_MAX_EMAIL_ADDRESSES = 1
# The same answer for known and unknown addresses at sign-in, sign-up and reset.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_SESSION_REMEMBER = False  # a shared phone must not stay signed in
# Every email subject starts with the neutral site name and nothing else: it shows on a lock screen.
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"{SITE_NAME}: "
# Confirming it is you is the portal's own page (the password, and a code when two-step sign-in
# is on); allauth's "email me a code" alternative would be a second, weaker way past it.
ACCOUNT_REAUTHENTICATION_METHODS = ["password"]
ACCOUNT_RATE_LIMITS = {
    # Per-account lockout is django-axes' job; this only slows one address spraying many.
    "login_failed": "30/m/ip",
}

AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"  # shared by every app server
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "portal.accounts.auth.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_VERBOSE = False
# No permanent record of where and when each member signs in: a leaked table of their IP
# addresses would say where they live and work. Failed attempts are kept only for the cool-off.
AXES_DISABLE_ACCESS_LOG = True
# Behind a TLS proxy, how many proxies to trust in X-Forwarded-For (0: none, use the peer's
# address). Without it every client would share the proxy's address: one lockout and one
# allauth rate limit for everybody. axes reads the same count (portal.accounts.auth.client_ip).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "portal.accounts.auth.client_ip"

# Changes of control (email, password, two-step sign-in, destroying records, deletion) need the
# password, and a code when two-step sign-in is on, within this many minutes (portal.accounts.session_state).
REAUTHENTICATION_MINUTES = int(os.environ.get("REAUTHENTICATION_MINUTES", "5"))
# A changed email address can be put back from the old address for this long.
EMAIL_CHANGE_UNDO_DAYS = 7
# A link to confirm a new email address works for this long.
EMAIL_CHANGE_CONFIRM_HOURS = 24

# --- Two-step sign-in ---------------------------------------------------------------------
# Wrong codes are counted per account across every device and app server (CodeAttempts), so
# django-otp's own per-device back-off is off: it would only add a second, weaker counter.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# The name an authenticator app shows next to the codes: neutral, like the site name.
OTP_TOTP_ISSUER = SITE_NAME
# Django's admin must not show anyone's authenticator key or backup codes, administrators included.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
TWO_STEP_FAILURES_BEFORE_LOCK = 5
# The first lock lasts this long and doubles with each further wrong code, up to the maximum.
TWO_STEP_LOCK_SECONDS = int(os.environ.get("TWO_STEP_LOCK_SECONDS", "60"))
TWO_STEP_LOCK_MAX_SECONDS = 3600
# A text code lasts five minutes; a person can ask for this many texts an hour.
SMS_CODE_VALID_SECONDS = 300
SMS_CODES_PER_HOUR = int(os.environ.get("SMS_CODES_PER_HOUR", "5"))
# Passkeys: one more way to pass the second step once it is on, never a way in by themselves.
# A passkey belongs to one domain, its RP ID. Browsers refuse an IP address there, so
# development uses the host of PORTAL_BASE_URL (localhost: passkeys work at the address
# `make run` prints, http://localhost:<port>, not at 127.0.0.1).
OTP_WEBAUTHN_RP_ID = os.environ.get("PASSKEY_RP_ID") or (
    ALLOWED_HOSTS[0].lstrip(".") if PRODUCTION else (urlsplit(PORTAL_BASE_URL).hostname or "localhost")
)
# Origins are compared exactly, port included: in development, the one the portal is served on.
OTP_WEBAUTHN_ALLOWED_ORIGINS = _env_list(
    "PASSKEY_ORIGINS", f"https://{OTP_WEBAUTHN_RP_ID}" if PRODUCTION else PORTAL_BASE_URL
)
# What a phone or browser shows when a passkey is made or used: neutral, like the site name.
OTP_WEBAUTHN_RP_NAME = SITE_NAME
# A passkey alone would sign in without allauth: no lockout, rate limit or email verification.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
# Refuses passkeys while two-step sign-in is off, and names them neutrally.
OTP_WEBAUTHN_HELPER_CLASS = "portal.accounts.adapters.PasskeyHelper"

# --- Sessions -------------------------------------------------------------------------
# Kept in the database, shared by every app server. With Redis (REDIS_URL), a session is read
# from Redis and written to both, so a page read costs no database query for it and the session
# outlives a Redis restart. Without Redis the cache is each process's own memory, which other app
# servers would not see end, so sessions are read from the database. Ending a session goes
# through the engine (portal.accounts.services.sessions), so a cached copy ends with it.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_COOKIE_NAME = "session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Absolute lifetime of a sign-in, whatever the activity.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12")) * 3600
# Signed out after this long without a request; the page warns a little before.
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_MINUTES", "30")) * 60
SESSION_IDLE_WARNING = 2 * 60
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = PRODUCTION

# --- Security headers -------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
# No referrer leaves the portal (the exit destination must not learn where it came from).
# Not "no-referrer": browsers would then send "Origin: null" on form posts and fail CSRF.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
# Some Wagtail admin pages (the page editor among them) still run inline scripts; the admin
# gets that one loosening on its own paths only (see portal.security).
WAGTAIL_ADMIN_CSP = {
    **SECURE_CSP,
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    # The page editor's rich text and StreamField panels set styles inline.
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Email ----------------------------------------------------------------------------
if PRODUCTION or os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("EMAIL_PORT", "587")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": _env_bool("EMAIL_USE_TLS", default=True),
            },
        }
    }
else:
    # Development prints emails (verification links included) to the console.
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <no-reply@localhost>")

# --- Background tasks -------------------------------------------------------------------
# Production queues work in the database (run `manage.py db_worker`); development runs it
# at once, so `make run` needs no worker.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND",
            "django_tasks_db.DatabaseBackend" if PRODUCTION else "django.tasks.backends.immediate.ImmediateBackend",
        )
    }
}

# --- SMS ------------------------------------------------------------------------------
# Development prints texts (sign-in codes included) to the console; production sends them.
SMS_BACKEND = os.environ.get("SMS_BACKEND") or (
    "portal.sms.TwilioBackend" if PRODUCTION else "portal.sms.ConsoleBackend"
)
if PRODUCTION and SMS_BACKEND in {"portal.sms.ConsoleBackend", "portal.sms.MemoryBackend"}:
    raise ImproperlyConfigured(
        f"SMS_BACKEND={SMS_BACKEND} would write phone numbers and sign-in codes to the logs or lose them; "
        "production sends texts with portal.sms.TwilioBackend."
    )
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
# Either the account's auth token or an API key pair, which can be revoked on its own.
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
TWILIO_API_KEY_SID = os.environ.get("TWILIO_API_KEY_SID", "")
TWILIO_API_KEY_SECRET = os.environ.get("TWILIO_API_KEY_SECRET", "")
# The sender: one number, or a messaging service that picks from a pool of them.
TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER", "")
TWILIO_MESSAGING_SERVICE_SID = os.environ.get("TWILIO_MESSAGING_SERVICE_SID", "")
# A slow provider must not hold a worker (or, in development, the page) for long.
SMS_TIMEOUT_SECONDS = float(os.environ.get("SMS_TIMEOUT_SECONDS", "10"))
# Tests only: an http client for the twilio library, pointed at a local fake (tests/fake_twilio.py).
SMS_TWILIO_HTTP_CLIENT = None

# --- Static files and Wagtail -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static_collected"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Members' files are encrypted (portal.fields) before they reach this storage, under random
# names: the local disk by default, an S3-compatible bucket with PORTAL_FILE_STORAGE=s3.
if os.environ.get("PORTAL_FILE_STORAGE", "local") == "s3":
    ENCRYPTED_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("S3_BUCKET", ""),
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("S3_PREFIX", "encrypted"),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,  # never a public URL, even if one were asked for
        },
    }
else:
    ENCRYPTED_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": Path(os.environ.get("ENCRYPTED_FILES_ROOT", VAR_DIR / "encrypted")),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves /static/ itself through WhiteNoise, from `collectstatic`'s copy: names
    # carry a hash of the content (so browsers keep them for good) and gzip and brotli copies
    # sit beside them. Development and tests serve the files where they are.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
    "encrypted": ENCRYPTED_STORAGE,
}
# Development and tests find static files in the apps, and see edits without a restart.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

WAGTAIL_SITE_NAME = SITE_NAME
WAGTAILADMIN_BASE_URL = PORTAL_BASE_URL  # Wagtail's name for the same address
WAGTAILADMIN_LOGIN_URL = "account_login"
# Pages restricted to signed-in people send them to the portal's sign-in (with its lockout,
# email verification and second factor), never to Wagtail's plain login form.
WAGTAIL_FRONTEND_LOGIN_URL = LOGIN_URL
# Passwords are managed through the portal's own account pages, never Wagtail's.
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
# Nor addresses: Wagtail's account page would change one with no confirmation and no notice.
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
# Wagtail's user management is closed (portal.accounts.middleware); should it ever be reached,
# its forms still set nobody's password.
WAGTAILUSERS_PASSWORD_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# How long a public page's body stays in the server's cache. Publishing clears it at once; this
# bounds how long another app server with its own in-memory cache (no REDIS_URL) can lag behind.
CONTENT_CACHE_SECONDS = int(os.environ.get("CONTENT_CACHE_SECONDS", "300"))
WAGTAIL_ENABLE_UPDATE_CHECK = False  # the admin would otherwise call out to a third party
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # no third-party requests, no email hashes leaving the site
WAGTAILDOCS_SERVE_METHOD = "serve_view"  # documents pass through permission checks

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# Production writes one JSON object a line (portal.logs: time, level, logger, message, request
# id; an error's kind and place, never its text), for a log collector; development plain text.
LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("json" if PRODUCTION else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'text'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portal.logs.RequestIdFilter"}},
    "formatters": {"json": {"()": "portal.logs.JsonFormatter"}, "text": {"format": "%(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Axes would otherwise log the email address of every failed sign-in, and the twilio
    # library every request it makes (addresses and headers) at INFO.
    # django.tasks logs every task it runs at INFO: in `make run`, hundreds of lines of seeding.
    "loggers": {"axes": {"level": "WARNING"}, "twilio": {"level": "WARNING"}, "django.tasks": {"level": "WARNING"}},
}
