"""
Duka settings: one module, driven by environment variables (and `.env`).

Every variable of API.md's configuration table is read here, once, under a headed section.
Production (`DJANGO_DEBUG=false`) refuses to start on the development secret key.
"""

import hashlib
import hmac
import warnings
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -------------------------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)

DEVELOPMENT_SECRET_KEY = "django-insecure-duka-development-key-never-use-in-production"
SECRET_KEY = env("DJANGO_SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false. Generate one with: "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Public origin of this server, used in links sent by email.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Third party
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "corsheaders",
    "axes",
    "treebeard",
    # Duka
    "core",
    "accounts",
    "catalog",
    "cart",
    "orders",
    "payments",
    "repairs",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns an admin lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# Routes answer with and without a trailing slash; never redirect a POST.
APPEND_SLASH = False

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
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent writers queue
    # (up to `timeout` seconds) instead of failing with "database is locked" mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------------

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="duka"),
            "TIMEOUT": 300,
        }
    }
else:
    # Without Redis, a folder that every process on the machine shares (gunicorn workers, Celery,
    # manage.py), so a settings change is seen by all of them at once and throttles count per client,
    # not per worker. Not the database cache: its writes would join (and roll back with) the request's
    # transaction and take SQLite's write lock on every throttled request.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env("CACHE_DIR", default=str(BASE_DIR / "var" / "cache")),
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="duka"),
            "TIMEOUT": 300,
            # Every write lists the folder, and past this many files a random third is dropped
            # (throttle windows restart, cached settings are rebuilt): room for a few thousand clients.
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# --- Celery -----------------------------------------------------------------------------------

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
# With no broker every task runs inline in the calling process: `make run` needs no worker.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "UTC"
# Periodic jobs, run by `celery -A config beat`.
CELERY_BEAT_SCHEDULE: dict = {
    "orders-expire-reservations": {"task": "orders.tasks.reservations_expire", "schedule": 60.0},
    "cart-purge-idle-anonymous-carts": {"task": "cart.tasks.carts_purge_idle", "schedule": 6 * 3600.0},
    "core-purge-idempotency-keys": {"task": "core.tasks.idempotency_keys_purge", "schedule": 24 * 3600.0},
    "payments-mpesa-reconcile": {"task": "payments.tasks.mpesa_reconcile", "schedule": 60.0},
}

# --- Authentication ---------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out client is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.EmailBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=30),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,  # done by the user_logged_in signal the login view sends
    "AUTH_HEADER_TYPES": ("Bearer",),
    "SIGNING_KEY": env("JWT_SIGNING_KEY", default=SECRET_KEY),
}

EMAIL_VERIFICATION_MAX_AGE = timedelta(days=env.int("EMAIL_VERIFICATION_DAYS", default=3))
# Where the verification link in the email points; a storefront may set its own page.
EMAIL_VERIFICATION_URL = env("EMAIL_VERIFICATION_URL", default=PUBLIC_BASE_URL + "/api/v1/auth/verify-email/{token}")
# The repair tracking page the customer's emails link to (`{code}` is the tracking code); a storefront may set its own.
REPAIR_TRACKING_URL = env("REPAIR_TRACKING_URL", default=PUBLIC_BASE_URL + "/api/v1/repairs/track/{code}")
PASSWORD_RESET_OTP_MINUTES = 10
PASSWORD_RESET_OTP_MAX_ATTEMPTS = 5

# django-axes: lock out per email *and* IP together, so one attacker cannot lock a customer out
# everywhere and many shoppers behind one carrier NAT are not locked out together.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A refused attempt during a lockout does not extend it: the client may retry when told.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "accounts.lockout.client_username"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# How many proxies of ours append to X-Forwarded-For; 0 believes the connecting address only.
NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=0)
AXES_CLIENT_IP_CALLABLE = "core.net.client_ip"
AXES_VERBOSE = False

# --- REST framework ---------------------------------------------------------------------------

RATE_LIMIT_ANON = env("RATE_LIMIT_ANON", default="100/min")
RATE_LIMIT_USER = env("RATE_LIMIT_USER", default="1000/min")
RATE_LIMIT_AUTH = env("RATE_LIMIT_AUTH", default="10/min")
# Repair desk, per IP (repairs/throttles.py): tickets taken in without the desk, and tracking-code lookups.
RATE_LIMIT_REPAIRS_CREATE = env("RATE_LIMIT_REPAIRS_CREATE", default="20/hour")
RATE_LIMIT_REPAIRS_TRACK = env("RATE_LIMIT_REPAIRS_TRACK", default="30/min")

# A body above this is refused unread: 413 `request_too_large` (core/exceptions.py). The largest
# legitimate JSON body, a product with 100 variants, is a small part of it. Multipart uploads have
# their own cap (core/parsers.py); JSON is also refused nested deeper than 32 levels.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["core.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "DEFAULT_METADATA_CLASS": "core.metadata.Metadata",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "core.filters.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": RATE_LIMIT_ANON, "user": RATE_LIMIT_USER, "auth": RATE_LIMIT_AUTH},
    "NUM_PROXIES": NUM_PROXIES,
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}

DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "core.exceptions.ExceptionHandler",
    "EXCEPTION_FORMATTER_CLASS": "drf_standardized_errors.formatter.ExceptionFormatter",
    # The error answers each operation documents (core/openapi.py): no 500, which is a bug, not a promise.
    "ALLOWED_ERROR_STATUS_CODES": ["400", "401", "403", "404", "405", "406", "409", "413", "415", "429"],
    "ERROR_SCHEMAS": {
        "400": "core.openapi.ValidationErrorResponseSerializer",
        **{
            status: "core.openapi.ClientErrorResponseSerializer"
            for status in ("401", "403", "404", "405", "406", "409", "413", "415", "429")
        },
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Duka API",
    "DESCRIPTION": "REST API of the Duka online store. Contract: API.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "accounts.models.Role.choices",
        "PaymentMethodEnum": "core.models.PaymentMethod.choices",
        "OrderStatusEnum": "orders.models.OrderStatus.choices",
        "OrderPaymentStatusEnum": "orders.models.OrderPaymentStatus.choices",
        "PaymentStatusEnum": "payments.models.PaymentStatus.choices",
        "RefundStatusEnum": "orders.models.RefundStatus.choices",
        # Repair desk
        "RepairStatusEnum": "repairs.models.RepairStatus.choices",
        "DeviceTypeEnum": "repairs.models.DeviceType.choices",
        "QuoteStatusEnum": "repairs.models.QuoteStatus.choices",
        "QuoteLineKindEnum": "repairs.models.QuoteLineKind.choices",
        "RepairPartStateEnum": "repairs.models.PartState.choices",
        "KindEnum": "catalog.models.DiscountKind.choices",  # its name before repairs' quote lines had a `kind`
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "core.openapi.add_uri_too_long",
    ],
}

# --- Payments ---------------------------------------------------------------------------------

MPESA_BASE_URLS = {"sandbox": "https://sandbox.safaricom.co.ke", "production": "https://api.safaricom.co.ke"}
MPESA_ENVIRONMENT = env("MPESA_ENVIRONMENT", default="sandbox")
if MPESA_ENVIRONMENT not in MPESA_BASE_URLS:
    raise ImproperlyConfigured(f"MPESA_ENVIRONMENT must be 'sandbox' or 'production', not {MPESA_ENVIRONMENT!r}.")
MPESA_BASE_URL = env("MPESA_BASE_URL", default=MPESA_BASE_URLS[MPESA_ENVIRONMENT]).rstrip("/")
MPESA_CONSUMER_KEY = env("MPESA_CONSUMER_KEY", default="")
MPESA_CONSUMER_SECRET = env("MPESA_CONSUMER_SECRET", default="")
MPESA_SHORTCODE = env("MPESA_SHORTCODE", default="")
MPESA_PASSKEY = env("MPESA_PASSKEY", default="")
MPESA_TRANSACTION_TYPE = env("MPESA_TRANSACTION_TYPE", default="CustomerPayBillOnline")
MPESA_PARTY_B = env("MPESA_PARTY_B", default=MPESA_SHORTCODE)
MPESA_CALLBACK_BASE_URL = env("MPESA_CALLBACK_BASE_URL", default="").rstrip("/")
# The secret path segment of the callback URL: derived from the secret key unless set, so each
# install has its own without anyone choosing one.
MPESA_CALLBACK_TOKEN = env(
    "MPESA_CALLBACK_TOKEN",
    default=hmac.new(SECRET_KEY.encode(), b"duka.mpesa-callback-token", hashlib.sha256).hexdigest()[:40],
)
MPESA_CALLBACK_ALLOWED_IPS = env.list("MPESA_CALLBACK_ALLOWED_IPS", default=[])
MPESA_CONNECT_TIMEOUT = env.float("MPESA_CONNECT_TIMEOUT", default=5.0)
MPESA_READ_TIMEOUT = env.float("MPESA_READ_TIMEOUT", default=30.0)

STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="").rstrip("/")
STRIPE_TIMEOUT = env.float("STRIPE_TIMEOUT", default=20.0)
# Stripe idempotency keys are per account: a prefix of this install's own keeps two installs (or a
# development database reset) sharing one Stripe account from colliding within Stripe's 24 hours.
STRIPE_IDEMPOTENCY_PREFIX = env(
    "STRIPE_IDEMPOTENCY_PREFIX",
    default="duka-" + hmac.new(SECRET_KEY.encode(), b"duka.stripe-idempotency", hashlib.sha256).hexdigest()[:12],
)

# The sandbox flow without a gateway: `POST payments/{id}/simulate`.
PAYMENTS_SIMULATION = env.bool("PAYMENTS_SIMULATION", default=DEBUG)
# How the orders app reaches its payment provider without importing it (orders/payment_hooks.py).
ORDERS_AFTER_CHECKOUT = "payments.services.checkout_payment_start"
ORDERS_REFUND_PROCESSOR = "payments.services.refund_enqueue"
# Which payment methods this server can take (core/store.py asks, for checkout and store/settings).
PAYMENT_METHODS_AVAILABLE = "payments.availability.methods_available"
ORDERS_REFUND_SETTLED = "payments.services.payment_refunds_settle"
ORDERS_PAID_BY = "payments.selectors.order_paid_by"
# How the repairs app reaches its payment provider without importing it (repairs/payment_hooks.py).
REPAIRS_CASH_PAYMENT = "payments.services.repair_cash_payment_create"
REPAIRS_PAID_BY = "payments.selectors.repair_paid_by"

# --- CORS -------------------------------------------------------------------------------------

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/(api|health)(/.*)?$"
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "user-agent",
    "x-requested-with",
    "x-cart-token",
    "idempotency-key",
)
CORS_EXPOSE_HEADERS = ["Retry-After"]

# --- Email ------------------------------------------------------------------------------------

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "sent_emails"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Duka <no-reply@duka.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation ---------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The store's days (analytics, date filters) are counted in this zone; storage stays UTC.
STORE_TIME_ZONE = env("STORE_TIME_ZONE", default="Africa/Nairobi")
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="KE")

# --- Static and media files -------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Serve admin and API-docs assets straight from the apps, so a server started without
# `collectstatic` (e.g. plain `gunicorn config.wsgi`) still has a working admin.
WHITENOISE_USE_FINDERS = True
# Until `collectstatic` has run, STATIC_ROOT does not exist; the finders serve everything meanwhile.
# (Matched by message: whitenoise attributes the warning to Django's handler, not to itself.)
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
STORAGES = {
    # Product images go through the storage API: e.g. "storages.backends.s3.S3Storage" with django-storages.
    "default": {"BACKEND": env("MEDIA_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Security ---------------------------------------------------------------------------------

SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe /health over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/?$"]
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Joining the browsers' HSTS preload list is an operator's decision about the whole domain
# (DJANGO_SECURE_HSTS_PRELOAD=true), not a default the code can make.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- Logging ----------------------------------------------------------------------------------

LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        # Stripe's SDK logs whole response bodies (client secrets included) at DEBUG.
        "stripe": {"level": "WARNING"},
    },
}
