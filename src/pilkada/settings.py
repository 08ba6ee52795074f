"""Django settings, read from environment variables.

Defaults are safe for production (DEBUG off, secure cookies, loopback hosts only); the
Makefile's ``run`` target relaxes only what a plain-HTTP demo on loopback needs.

Environment:
    DATABASE_URL          database (default: SQLite file in PILKADA_DATA_DIR)
    PILKADA_DATA_DIR      where the SQLite file, secret key, uploads and exports live (./var)
    PILKADA_SECRET_KEY    secret key (default: read from PILKADA_DATA_DIR/secret_key)
    PILKADA_DEBUG         1 to enable Django's debug mode (default 0)
    PILKADA_HTTPS         1 when served over HTTPS: secure cookies, HSTS (default: not DEBUG)
    PILKADA_ALLOWED_HOSTS comma-separated host names (default localhost,127.0.0.1)
    PILKADA_TODAY         YYYY-MM-DD: fix the election clock (demos, tests, officer training)
"""

import hashlib
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("PILKADA_DATA_DIR", Path.cwd() / "var")).resolve()

DEBUG = env_bool("PILKADA_DEBUG", False)
HTTPS = env_bool("PILKADA_HTTPS", not DEBUG)


def _secret_key() -> str:
    key = os.environ.get("PILKADA_SECRET_KEY")
    if key:
        return key
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    if DEBUG or os.environ.get("PILKADA_ALLOW_EPHEMERAL_KEY") == "1":
        # Tests and first-time `pilkada setup` run before the key file exists.
        return "ephemeral-" + os.urandom(24).hex()
    raise ImproperlyConfigured(
        f"No secret key: set PILKADA_SECRET_KEY or run `pilkada setup`, which writes {key_file}."
    )


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("PILKADA_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "pilkada.core",
    "pilkada.regions",
    "pilkada.accounts",
    "pilkada.audit",
    "pilkada.schedule",
    "pilkada.voters",
    "pilkada.candidacy",
    "pilkada.adhoc",
    "pilkada.synth",
    "pilkada.jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "pilkada.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "pilkada.urls"
WSGI_APPLICATION = "pilkada.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pilkada.core.context_processors.election_clock",
                "pilkada.core.context_processors.navigation",
            ],
        },
    },
]

if "DATABASE_URL" not in os.environ:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'pilkada.sqlite3'}"),
        conn_max_age=int(os.environ.get("PILKADA_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at the
    # start of a transaction so two writers queue instead of deadlocking on lock upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"

SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = HTTPS and env_bool("PILKADA_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("PILKADA_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PILKADA_LOG_LEVEL", "WARNING")},
}

# Background work: django-tasks with its database backend (no extra server). The web server
# (`pilkada serve`) starts a worker; `pilkada jobs worker` runs one on its own.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("PILKADA_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Public lookups (cek DPT, cek NIK dukungan): per-client limits (django-ratelimit on the
# default cache: per process; name a shared cache for several processes) and a minimum
# answer time so that listed and unlisted NIKs cost the same.
CACHES = {
    "default": {
        "BACKEND": os.environ.get(
            "PILKADA_CACHE_BACKEND", "pilkada.core.cache.LocalMemoryCache"
        ),
        "LOCATION": os.environ.get("PILKADA_CACHE_LOCATION", "pilkada"),
    }
}
RATELIMIT_IP_META_KEY = "pilkada.core.public.client_ip"
# django-ratelimit's own settings, at their default values: it reads each with a default on
# every check, and a setting that is not defined costs an exception every time.
RATELIMIT_ENABLE = True
RATELIMIT_USE_CACHE = "default"
RATELIMIT_CACHE_PREFIX = "rl:"
RATELIMIT_HASH_ALGORITHM = hashlib.sha256
RATELIMIT_IPV4_MASK = 32
RATELIMIT_IPV6_MASK = 64
RATELIMIT_FAIL_OPEN = False
PILKADA_TRUSTED_PROXIES = int(os.environ.get("PILKADA_TRUSTED_PROXIES", "0"))
PILKADA_PUBLIC_LOOKUP_RATES = os.environ.get("PILKADA_PUBLIC_LOOKUP_RATES", "10/m,100/h").split(",")
PILKADA_PUBLIC_LOOKUP_MIN_SECONDS = float(
    os.environ.get("PILKADA_PUBLIC_LOOKUP_MIN_SECONDS", "0.25")
)

# --- The election -------------------------------------------------------------------------
# The election clock: None means the real date in Asia/Jakarta. See pilkada.core.clock.
PILKADA_TODAY = os.environ.get("PILKADA_TODAY") or None

# --- Candidacy (numbers that regulations change; see pilkada.candidacy.rules) -------------
# UU 10/2016 Pasal 41 (independent support) and, by MK 60/2024, Pasal 40 (party threshold):
# level -> ((DPT up to, percent), ..., (None, percent)).
PILKADA_SUPPORT_BANDS = {
    "provinsi": ((2_000_000, "10"), (6_000_000, "8.5"), (12_000_000, "7.5"), (None, "6.5")),
    "kabkota": ((250_000, "10"), (500_000, "8.5"), (1_000_000, "7.5"), (None, "6.5")),
}
PILKADA_PARTY_THRESHOLD_BANDS = PILKADA_SUPPORT_BANDS
# UU 10/2016 Pasal 7 ayat (2) huruf e, counted at penetapan (MK 70/2024).
PILKADA_CANDIDATE_MIN_AGE = {"provinsi": 30, "kabkota": 25}
# Supporters an area must hold to count for the spread (Pasal 41 huruf e asks for spread).
PILKADA_SUPPORT_SPREAD_MIN_PER_AREA = 1
# Perbaikan: replacements are this many times the shortfall (PKPU 8/2024).
PILKADA_PERBAIKAN_MULTIPLIER = 2
# Verifikasi faktual: days the pair has to bring a supporter the PPS did not find to an
# agreed place or a video call (as recalled from PKPU 8/2024; check against the text).
PILKADA_VERFAK_NOT_FOUND_DAYS = 3

# --- Ad hoc bodies (numbers that regulations change; see pilkada.adhoc.rules) ---------------
# Seats per area: UU 10/2016 Pasal 16, 19, 21. Pantarlih per TPS: one, two above 400 voters.
PILKADA_ADHOC_SEATS = {"ppk": 5, "pps": 3, "kpps": 7}
PILKADA_PANTARLIH_SEATS = (1, 2)
PILKADA_PANTARLIH_SECOND_ABOVE = 400
# Age on the day of application: at least 17 (UU 7/2017 Pasal 72); KPPS at most 55 (the 2024
# technical guideline). Education: at least SMA (UU 7/2017 Pasal 72).
PILKADA_ADHOC_MIN_AGE = 17
PILKADA_ADHOC_MAX_AGE = {"kpps": 55}
PILKADA_ADHOC_MIN_EDUCATION = {"ppk": "sma", "pps": "sma", "kpps": "sma", "pantarlih": "sma"}
# None: no term limit (PKPU 8/2022 dropped the two-term limit of PKPU 3/2018).
PILKADA_ADHOC_TERM_LIMIT = None
PILKADA_ADHOC_WOMEN_SHARE = 0.30
# Selection: the best written scores, this many times the seats, go on to the interview; the
# final score is the weighted mean of the scores an applicant has.
PILKADA_ADHOC_INTERVIEW_MULTIPLIER = 2
PILKADA_ADHOC_SCORE_WEIGHTS = {"written": 0.5, "interview": 0.5}
# Documents of an application: accepted types and the largest size in bytes.
PILKADA_ADHOC_DOCUMENT_TYPES = ("application/pdf", "image/jpeg", "image/png")
PILKADA_ADHOC_DOCUMENT_MAX_BYTES = 2 * 1024 * 1024
# KPPS must be formed this many days before voting day (27 Nov - 22 = 5 Nov 2024, the end of
# the pembentukan stage); Pantarlih by the first day of coklit (from the schedule).
PILKADA_ADHOC_KPPS_DEADLINE_DAYS = 22
# The checks run inside the page's request up to this many applications (a kelurahan, a
# city: a few seconds); a larger scope (a province) runs them as a background job.
PILKADA_ADHOC_CHECK_INLINE_MAX = 5000
# The site's public address (https://pilkada.kpu.example), for links mailed from the command
# line; pages use the request's own address.
PILKADA_SITE_URL = os.environ.get("PILKADA_SITE_URL", "")

# --- Mail (receipts of cek NIK dukungan objections) ---------------------------------------
# Without PILKADA_EMAIL_HOST no mail is sent; the page tells the citizen to keep the number.
EMAIL_BACKEND = os.environ.get(
    "PILKADA_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("PILKADA_EMAIL_HOST")
    else "django.core.mail.backends.dummy.EmailBackend",
)
EMAIL_HOST = os.environ.get("PILKADA_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("PILKADA_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("PILKADA_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("PILKADA_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("PILKADA_EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("PILKADA_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("PILKADA_EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("PILKADA_EMAIL_FROM", "pilkada <noreply@localhost>")
