"""Django settings for Reading Room. Operators configure it through the environment (see ``config.py``)."""

from __future__ import annotations

import os

from readingroom import config

DATA_DIR = config.data_dir()
SECRET_KEY = config.secret_key(DATA_DIR)
DEBUG = config.env_bool("READINGROOM_DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("READINGROOM_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "readingroom.documents",
    "readingroom.ingest",
    "readingroom.search",
    "readingroom.api",
    "readingroom.publish",
    "readingroom.scans",
    "readingroom.history",
    "readingroom.accounts",
    "readingroom.preservation",
    "readingroom.web",
    "readingroom.names",
    "readingroom.archives",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "readingroom.history.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "readingroom.history.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "readingroom.urls"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "readingroom.web.context.site",
            ],
        },
    },
]

WSGI_APPLICATION = "readingroom.wsgi.application"

DATABASES = {"default": config.database_settings(DATA_DIR)}
# Streaming replicas (READINGROOM_REPLICA_URLS): reads that may lag go to one, everything else to the primary
DATABASES.update(config.replica_settings(DATABASES["default"]))
DATABASE_ROUTERS = ["readingroom.dbrouter.ReplicaRouter"] if len(DATABASES) > 1 else []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
# The interface's languages (catalogues in readingroom/locale, compiled by readingroom.web.msgfmt at setup):
# chosen from the reader's switch (a cookie set only by /language), else Accept-Language, else English
LANGUAGES = [
    ("en", "English"),
    ("sq", "Shqip"),
    ("ru", "Русский"),
    ("zh-hans", "简体中文"),
    ("de", "Deutsch"),
    ("fr", "Français"),
]
LOCALE_PATHS = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "locale")]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"  # collectstatic target; WhiteNoise also serves straight from the apps
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Scripts only from this site (no inline script); styles may be inline (the viewer and the admin set them)
READINGROOM_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Behind TLS (READINGROOM_HTTPS=1): secure cookies, HSTS, redirect to https; trust the proxy's X-Forwarded-Proto
if config.env_bool("READINGROOM_HTTPS"):
    SECURE_SSL_REDIRECT = config.env_bool("READINGROOM_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("READINGROOM_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = config.env_bool("READINGROOM_HSTS_PRELOAD", False)
    CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS if h and not h.startswith("[")]
SILENCED_SYSTEM_CHECKS = [] if config.env_bool("READINGROOM_HSTS_PRELOAD") else ["security.W021"]

AUTHENTICATION_BACKENDS = ["readingroom.accounts.backends.RateLimitedModelBackend"]
# Failed logins: after this many for one user name or one address within the window, refuse for the window
READINGROOM_LOGIN_FAILURES = int(os.environ.get("READINGROOM_LOGIN_FAILURES", "5"))
READINGROOM_LOGIN_WINDOW_SECONDS = int(os.environ.get("READINGROOM_LOGIN_WINDOW_SECONDS", "900"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# One cache for every process of the archive (web workers, the job worker, the CLI), in the data directory:
# rendered citations, the home page's counts (which a `readingroom publish` must be able to clear)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache" / "django"),
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
    # per process, in memory: pieces of pages kept under what they are made of (never stale, so never shared;
    # a set in the shared file cache cost a new search 5 ms)
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "readingroom-fragments",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
    # per process, in memory: whole search pages and API answers, under the archive's newest change and the
    # search index's version (readingroom.search.views); READINGROOM_SEARCH_PAGE_CACHE entries, 0: none kept
    "searches": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "readingroom-searches",
        "OPTIONS": {"MAX_ENTRIES": max(1, int(os.environ.get("READINGROOM_SEARCH_PAGE_CACHE", "128")))},
    },
}
READINGROOM_SEARCH_PAGE_CACHE = int(os.environ.get("READINGROOM_SEARCH_PAGE_CACHE", "128"))
# searches whose facet and year counts each process keeps for the index version they were counted on (0: none)
READINGROOM_FACET_CACHE = int(os.environ.get("READINGROOM_FACET_CACHE", "256"))
READINGROOM_SITE_NAME = os.environ.get("READINGROOM_SITE_NAME", "Reading Room")
# Scheme and host of permanent URLs (citations, OAI-PMH, sitemap, feed); unset: the host a request came to
READINGROOM_BASE_URL = os.environ.get("READINGROOM_BASE_URL", "").strip().rstrip("/")
# Scans: limits on what may be attached, and how PDFs are rendered into page images
READINGROOM_MAX_UPLOAD_MB = int(os.environ.get("READINGROOM_MAX_UPLOAD_MB", "500"))
READINGROOM_MAX_IMAGE_PIXELS = int(os.environ.get("READINGROOM_MAX_IMAGE_PIXELS", str(150_000_000)))
READINGROOM_MAX_PDF_PAGES = int(os.environ.get("READINGROOM_MAX_PDF_PAGES", "2000"))
READINGROOM_PDF_DPI = int(os.environ.get("READINGROOM_PDF_DPI", "200"))
# IIIF Image API: the largest image a request may ask for
READINGROOM_IIIF_MAX_WIDTH = int(os.environ.get("READINGROOM_IIIF_MAX_WIDTH", "10000"))
READINGROOM_IIIF_MAX_AREA = int(os.environ.get("READINGROOM_IIIF_MAX_AREA", str(40_000_000)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# OAI-PMH Identify: who to write to about the repository
READINGROOM_ADMIN_EMAIL = os.environ.get("READINGROOM_ADMIN_EMAIL", "archivist@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# ---- web hardening (login throttle behind proxies, query/header limits, page size); see docs/limits-web.md ----
# Failed logins per client address within READINGROOM_LOGIN_WINDOW_SECONDS before that address is refused
READINGROOM_LOGIN_ADDRESS_FAILURES = int(
    os.environ.get("READINGROOM_LOGIN_ADDRESS_FAILURES", str(4 * READINGROOM_LOGIN_FAILURES))
)
# The client address behind a reverse proxy: a header name (e.g. X-Forwarded-For; unset = the socket's peer)
# and the proxies trusted to set it: a count N (the N-th address from the right) or a list of IPs/networks
READINGROOM_TRUSTED_PROXY_HEADER = os.environ.get("READINGROOM_TRUSTED_PROXY_HEADER", "").strip()
READINGROOM_TRUSTED_PROXIES = os.environ.get("READINGROOM_TRUSTED_PROXIES", "1").strip() or "1"
# Search: the longest query searched (longer ones are trimmed, with a notice)
READINGROOM_MAX_QUERY_LENGTH = int(os.environ.get("READINGROOM_MAX_QUERY_LENGTH", "1000"))
# The longest Link header a page sends (longer: none is sent)
READINGROOM_MAX_LINK_HEADER = int(os.environ.get("READINGROOM_MAX_LINK_HEADER", "2048"))
# Document page: characters of one text shown per part (longer texts: ?text=N&part=M and a .txt download)
READINGROOM_PAGE_TEXT_CHARS = int(os.environ.get("READINGROOM_PAGE_TEXT_CHARS", "200000"))
# ---- end web hardening ----

# ---- scans hardening (IIIF budgets and cache, combined PDF limits); see docs/limits-scans.md ----
# IIIF: pixels one request may handle (source region + output + rotated canvas), in megapixels
READINGROOM_IIIF_MAX_MEGAPIXELS = float(os.environ.get("READINGROOM_IIIF_MAX_MEGAPIXELS", "250"))
# IIIF: seconds one image may take (estimated up front: refused with 400; measured while rendering: 503)
READINGROOM_IIIF_TIME_LIMIT = float(os.environ.get("READINGROOM_IIIF_TIME_LIMIT", "5"))
# IIIF: renders estimated to take this long or more share READINGROOM_IIIF_HEAVY_SLOTS slots across processes
READINGROOM_IIIF_HEAVY_SECONDS = float(os.environ.get("READINGROOM_IIIF_HEAVY_SECONDS", "0.5"))
READINGROOM_IIIF_HEAVY_SLOTS = int(os.environ.get("READINGROOM_IIIF_HEAVY_SLOTS", "1"))
# IIIF: the disk cache of derived images (least recently used go first), in MB
READINGROOM_IIIF_CACHE_MB = float(os.environ.get("READINGROOM_IIIF_CACHE_MB", "2048"))
# IIIF: pages up to this many megapixels are decoded in memory; larger ones are memory-mapped from a raw copy
READINGROOM_IIIF_MEMORY_MP = float(os.environ.get("READINGROOM_IIIF_MEMORY_MP", "20"))
# IIIF: decoded pages each worker keeps for the tiles that follow (at most 3), in MB
READINGROOM_IIIF_DECODED_CACHE_MB = float(os.environ.get("READINGROOM_IIIF_DECODED_CACHE_MB", "128"))
# Combined PDF (/documents/<id>.pdf): scanned pages and characters of text it holds (past them: a note)
READINGROOM_COMBINED_PDF_MAX_PAGES = int(os.environ.get("READINGROOM_COMBINED_PDF_MAX_PAGES", "300"))
READINGROOM_COMBINED_PDF_MAX_TEXT_CHARS = int(os.environ.get("READINGROOM_COMBINED_PDF_MAX_TEXT_CHARS", "1000000"))
# Combined PDF: documents up to these sizes are made during the request; larger ones by the background worker
READINGROOM_COMBINED_PDF_INLINE_PAGES = int(os.environ.get("READINGROOM_COMBINED_PDF_INLINE_PAGES", "10"))
READINGROOM_COMBINED_PDF_INLINE_CHARS = int(os.environ.get("READINGROOM_COMBINED_PDF_INLINE_CHARS", "50000"))
# ---- end scans hardening ----

# ---- import limits (readingroom/ingest/limits.py; docs/limits-import.md) ----
# A value over a limit rejects the record (or the file) with FILE:LINE: record ID: field 'F': message.
READINGROOM_MAX_IMPORT_FILE_MB = int(os.environ.get("READINGROOM_MAX_IMPORT_FILE_MB", "4096"))
READINGROOM_MAX_IMPORT_WHOLE_FILE_MB = int(os.environ.get("READINGROOM_MAX_IMPORT_WHOLE_FILE_MB", "200"))
READINGROOM_MAX_IMPORT_RECORD_MB = int(os.environ.get("READINGROOM_MAX_IMPORT_RECORD_MB", "16"))
READINGROOM_MAX_IMPORT_NESTING = int(os.environ.get("READINGROOM_MAX_IMPORT_NESTING", "64"))
READINGROOM_MAX_IMPORT_TITLE_CHARS = int(os.environ.get("READINGROOM_MAX_IMPORT_TITLE_CHARS", "2000"))
READINGROOM_MAX_IMPORT_SUMMARY_CHARS = int(os.environ.get("READINGROOM_MAX_IMPORT_SUMMARY_CHARS", "20000"))
READINGROOM_MAX_IMPORT_TEXT_CHARS = int(os.environ.get("READINGROOM_MAX_IMPORT_TEXT_CHARS", "2000000"))
READINGROOM_MAX_IMPORT_NOTE_CHARS = int(os.environ.get("READINGROOM_MAX_IMPORT_NOTE_CHARS", "20000"))
READINGROOM_MAX_IMPORT_FIELD_CHARS = int(os.environ.get("READINGROOM_MAX_IMPORT_FIELD_CHARS", "1000"))
READINGROOM_MAX_IMPORT_LIST_ITEMS = int(os.environ.get("READINGROOM_MAX_IMPORT_LIST_ITEMS", "10000"))
# ---- end import limits ----
