"""Django settings for Meldcode, read from the environment (see docs/configuration.md)."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from meldcode.env import config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(config("MELDCODE_VAR_DIR", str(BASE_DIR / "var"),
                      help_text="Map voor de SQLite-database, uploads en exports (buiten de webroot)."))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Keys that only the development machine may use; production refuses to start with them.
DEV_SECRET_KEY = "dev-only-insecure-secret-key-never-use-in-production-0000000000"  # noqa: S105 (refused in production)
DEV_ENCRYPTION_KEY = "ZGV2LW9ubHkta2V5LWRvLW5vdC11c2UtaW4tcHJvZCE="  # base64 of 32 bytes

ENVIRONMENT = config("MELDCODE_ENVIRONMENT", "development",
                     help_text="`development`, `test` of `production`. Production weigert onveilige instellingen.")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = config("DEBUG", not PRODUCTION, cast=bool, help_text="Foutpagina's met details; nooit in productie.")
# With DEBUG on (the demo) the error pages are still the Dutch ones, with the emergency numbers.
MELDCODE_TECHNICAL_ERRORS = config(
    "MELDCODE_TECHNICAL_ERRORS", False, cast=bool,
    help_text="Alleen voor ontwikkelaars: toon met DEBUG aan Djangos technische foutpagina's in plaats van de Nederlandse.")
SECRET_KEY = config("SECRET_KEY", DEV_SECRET_KEY, help_text="Django-geheim voor sessies en CSRF (niet voor encryptie).")
ALLOWED_HOSTS = config("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"], cast=list,
                       help_text="Komma-gescheiden hostnamen waaronder de app bereikbaar is.")
CSRF_TRUSTED_ORIGINS = config("CSRF_TRUSTED_ORIGINS", [], cast=list,
                              help_text="Komma-gescheiden origins (https://…) achter een reverse proxy.")

# Narrative dossier content is encrypted with these keys, newest first; older keys only decrypt.
ENCRYPTION_KEYS = config(
    "MELDCODE_ENCRYPTION_KEYS", [DEV_ENCRYPTION_KEY], cast=list,
    help_text="Komma-gescheiden lijst van base64-sleutels (32 bytes), nieuwste eerst. Los van SECRET_KEY bewaren.",
)

if PRODUCTION:
    problems = []
    if DEBUG:
        problems.append("DEBUG staat aan")
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 40:
        problems.append("SECRET_KEY ontbreekt of is de ontwikkelsleutel")
    if not ENCRYPTION_KEYS or DEV_ENCRYPTION_KEY in ENCRYPTION_KEYS:
        problems.append("MELDCODE_ENCRYPTION_KEYS ontbreekt of bevat de ontwikkelsleutel")
    if problems:
        raise ImproperlyConfigured("Productie start niet: " + "; ".join(problems) + ".")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "core",
    "accounts",
    "schools",
    "vault",
    "audit",
    "protocol",
    "socialmap",
    "cases",
    "documents",
    "inquiries",
    "mysignals",
    "qualifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.sessions.SlidingSessionMiddleware",
    "core.language.ChosenLanguageMiddleware",  # Dutch unless chosen otherwise; ignores Accept-Language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.OTPMiddleware",  # django_otp's, sharing the user's query (accounts/backends.py)
    "accounts.middleware.RequireTwoFactorMiddleware",
    "core.no_store.NoStoreWhenSignedInMiddleware",  # a shared laptop's back button shows no dossier after sign-out
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.RejectControlCharactersMiddleware",
    "axes.middleware.AxesMiddleware",
    "core.errors.DutchErrorPagesMiddleware",  # innermost: it has to see Django's technical 404 (DEBUG only)
]

ROOT_URLCONF = "meldcode.urls"
WSGI_APPLICATION = "meldcode.wsgi.application"

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
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        config("DATABASE_URL", f"sqlite:///{VAR_DIR / 'meldcode.sqlite3'}",
               help_text="Database, bijv. postgres://user@host:5432/meldcode. Standaard een ingebouwde SQLite."),
        conn_max_age=config("DATABASE_CONN_MAX_AGE", 60, cast=int,
                            help_text="Seconden dat een databaseverbinding hergebruikt wordt."),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE",
                                       "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# A read replica for the annual evaluation only (core/databases.py, docs/scaling.md). Read-only by PostgreSQL
# itself (a hot standby refuses writes); in tests a mirror of the primary.
_REPLICA_URL = config("DATABASE_REPLICA_URL", "", help_text=(
    "Optioneel: een PostgreSQL-leesreplica (streaming replication) waar de jaarevaluatie haar cijfers leest, "
    "zodat die telling de pagina's niet ophoudt. Leeg: alles leest van DATABASE_URL."))
if _REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"]["ATOMIC_REQUESTS"] = False  # a request is a transaction on the primary only

# Each request is one transaction: a write and its audit event commit together or not at all, and
# a read's event commits when the view returns, before the response is sent (see audit/log.py).
DATABASES["default"]["ATOMIC_REQUESTS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading the session's 2FA device with the user in one query (accounts/backends.py).
    "accounts.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"

# Sessions live in the database (no state on the app server); they end on browser close and after
# a period of inactivity: the cookie is renewed on every request, so its age is the idle timeout.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_MINUTES = config("SESSION_IDLE_MINUTES", 30, cast=int,
                              help_text="Minuten zonder activiteit waarna de sessie verloopt.")
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# The expiry slides with activity, but the session row is written at most once a minute (core/sessions.py).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = config("SESSION_TOUCH_SECONDS", 60, cast=int,
                               help_text="Hoe vaak (seconden) de verlooptijd van een actieve sessie wordt bijgewerkt.")
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
REAUTH_MINUTES = config("REAUTH_MINUTES", 5, cast=int,
                        help_text="Minuten dat een herbevestiging (wachtwoord + code) geldig blijft voor exports.")

REDIS_URL = config("REDIS_URL", "", help_text="Optioneel: Redis voor de cache en de sessies (anders de database).")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions are read from Redis and written through to the database (which stays the record): a signed-in
    # request then reads nothing from PostgreSQL for its session, on whichever app server it lands.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "meldcode_cache"}}

TASKS = {"default": {"BACKEND": config(
    "TASKS_BACKEND", "django_tasks_db.DatabaseBackend",
    help_text="Achtergrondtaken; standaard in de database, uitgevoerd door `manage.py run_worker`.")}}

AUDIT_MAC_KEY = config(
    "AUDIT_MAC_KEY", "",
    help_text="Sleutel voor de MAC op auditgebeurtenissen die nog niet in de hashketen staan. Leeg: afgeleid van "
              "SECRET_KEY. Nooit in de database bewaren; wijzigen alleen als de sequencer alles geketend heeft.")
AUDIT_CHAIN_MODE = config(
    "AUDIT_CHAIN_MODE", "after_commit",
    help_text="Wanneer gebeurtenissen in de hashketen komen: after_commit (na elke request, als niemand anders "
              "bezig is), worker (alleen door `manage.py audit_sequence`) of immediate (in de transactie zelf; tests).")
AUDIT_MAX_UNCHAINED_SECONDS = config(
    "AUDIT_MAX_UNCHAINED_SECONDS", 60, cast=int,
    help_text="audit_verify keurt de trail af als een gebeurtenis langer dan zoveel seconden op de keten wacht.")
AUDIT_ANCHOR_FILE = config(
    "AUDIT_ANCHOR_FILE", str(VAR_DIR / "audit-anchors.log"),
    help_text="Logbestand (buiten de database) waarin `audit_anchor` dagelijks de hash van de nieuwste gebeurtenis "
              "bijschrijft; bewaar het op een andere plek dan de database-backups.")
AUDIT_TRUST_X_FORWARDED_FOR = config(
    "AUDIT_TRUST_X_FORWARDED_FOR", False, cast=bool,
    help_text="Neem het IP-adres voor het auditlog uit X-Forwarded-For (alleen achter een eigen reverse proxy).")

BREAK_GLASS_RATE = config("BREAK_GLASS_RATE", "5/h",
                          help_text="Hoe vaak één persoon per tijdseenheid toegang mag vragen tot een dossier buiten het "
                                    "eigen team (break-glass), bijv. 5/h. Daarboven: een Nederlandse 429-pagina.")
DOCUMENTS_EXPORT_RATE = config("DOCUMENTS_EXPORT_RATE", "20/h",
                               help_text="Hoeveel exports één persoon mag maken per tijdseenheid (bijv. 20/h).")
# A running export reports that it is alive; one that stays silent longer than the limit lost its worker
# (killed, machine gone) and is tried once more, then marked failed: no export stays "Bezig" forever.
DOCUMENTS_EXPORT_HEARTBEAT_SECONDS = config(
    "DOCUMENTS_EXPORT_HEARTBEAT_SECONDS", 10, cast=float,
    help_text="Hoe vaak (in seconden) een lopende export laat weten dat hij nog bezig is.")
DOCUMENTS_EXPORT_STALE_SECONDS = config(
    "DOCUMENTS_EXPORT_STALE_SECONDS", 120, cast=float,
    help_text="Na hoeveel seconden zonder teken van leven een lopende export als onderbroken geldt: "
              "hij wordt één keer opnieuw gestart en daarna als mislukt gemeld.")
if DOCUMENTS_EXPORT_STALE_SECONDS <= 2 * DOCUMENTS_EXPORT_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured("DOCUMENTS_EXPORT_STALE_SECONDS moet meer dan twee keer "
                               "DOCUMENTS_EXPORT_HEARTBEAT_SECONDS zijn.")
TASKS_WORKER_MAX_BACKOFF_SECONDS = config(
    "TASKS_WORKER_MAX_BACKOFF_SECONDS", 60, cast=float,
    help_text="Langste wachttijd (in seconden) voordat de taakverwerker na een verbroken databaseverbinding "
              "opnieuw verbinding maakt.")
MELDCODE_TRAINING_REFRESH_YEARS = config(
    "MELDCODE_TRAINING_REFRESH_YEARS", 2, cast=int,
    help_text="Na hoeveel jaar zonder scholing een medewerker een opfriscursus nodig heeft.")

# Sign-in throttling (django-axes; see accounts/lockout.py): wrong passwords are counted per account (e-mail,
# lowercased) and per address (IP), each on its own. A lock lifts itself after a cool-off that doubles with
# every further lock within AXES_COOLOFF_MAX_HOURS; attempts during a lock do not extend it. A beheerder can
# lift it sooner; the person and the beheerders are told by e-mail.
AXES_FAILURE_LIMIT = config("AXES_FAILURE_LIMIT", 5, cast=int,
                            help_text="Mislukte inlogpogingen (per account en per IP-adres) waarna een tijdelijke "
                                      "blokkade ingaat.")
AXES_COOLOFF_MINUTES = config("AXES_COOLOFF_MINUTES", 15, cast=int,
                              help_text="Minuten dat de eerste blokkade duurt; elke volgende blokkade van hetzelfde "
                                        "account of adres duurt twee keer zo lang.")
AXES_COOLOFF_MAX_HOURS = config("AXES_COOLOFF_MAX_HOURS", 24, cast=int,
                                help_text="Langste blokkade in uren; blokkades binnen deze periode tellen mee voor "
                                          "de verdubbeling.")
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_COOLOFF_TIME = "accounts.lockout.cool_off"
AXES_USE_ATTEMPT_EXPIRATION = True  # each failure keeps its own expiry, so one cool-off never cuts another short
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # the locks so far, for the doubling
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # axes reads the name given to authenticate(username=...)
AXES_USERNAME_CALLABLE = "accounts.lockout.username"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_VERBOSE = False

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("Engels"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# "2 december 2026, 14:05": our own date formats, used by the `moment` and `day` filters (core.templatetags.moments).
FORMAT_MODULE_PATH = ["meldcode.formats"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every start when it is missing (before collectstatic)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
                    if PRODUCTION else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploads are stored outside the web root and served only through the access rule.
MEDIA_ROOT = VAR_DIR / "private"
UPLOAD_MAX_BYTES = config("UPLOAD_MAX_BYTES", 10 * 1024 * 1024, cast=int,
                          help_text="Maximale grootte van een bijlage in bytes.")
# Uploaded PDF and Word documents are parsed in a child process with these hard limits (vault/sandbox.py):
# a decompression bomb or a parser in a loop ends the child, never the web worker.
DOCUMENT_SANDBOX_MEMORY_MB = config(
    "DOCUMENT_SANDBOX_MEMORY_MB", 1024, cast=int,
    help_text="Maximaal geheugen (MB) van het aparte proces dat één geüpload PDF- of Word-document leest.")
DOCUMENT_SANDBOX_CPU_SECONDS = config(
    "DOCUMENT_SANDBOX_CPU_SECONDS", 20, cast=int,
    help_text="Maximale rekentijd (seconden CPU) voor het lezen van één geüpload document.")
DOCUMENT_SANDBOX_TIMEOUT_SECONDS = config(
    "DOCUMENT_SANDBOX_TIMEOUT_SECONDS", 30, cast=int,
    help_text="Maximale wachttijd (seconden) voor het lezen van één geüpload document; daarna wordt het gestopt.")
DOCUMENT_MAX_UNPACKED_MB = config(
    "DOCUMENT_MAX_UNPACKED_MB", 100, cast=int,
    help_text="Maximale uitgepakte grootte (MB) van een geüpload PDF- of Word-document, echt geteld tijdens het uitpakken.")
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

EMAIL_BACKEND = config("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend",
                       help_text="Mailbackend; in productie `django.core.mail.backends.smtp.EmailBackend`.")
EMAIL_HOST = config("EMAIL_HOST", "localhost", help_text="SMTP-server.")
EMAIL_PORT = config("EMAIL_PORT", 587, cast=int, help_text="SMTP-poort.")
EMAIL_HOST_USER = config("EMAIL_HOST_USER", "", help_text="SMTP-gebruiker.")
EMAIL_HOST_PASSWORD = config("EMAIL_HOST_PASSWORD", "", help_text="SMTP-wachtwoord.")
EMAIL_USE_TLS = config("EMAIL_USE_TLS", True, cast=bool, help_text="STARTTLS voor SMTP.")
DEFAULT_FROM_EMAIL = config("DEFAULT_FROM_EMAIL", "meldcode@localhost", help_text="Afzender van herinneringen.")
# Every absolute link (e-mails, the demo's printed output) starts with SITE_URL; `make demo` sets it to the
# address it serves on.
SITE_URL = config("SITE_URL", "http://127.0.0.1:8000",
                  help_text="Adres waarop de app bereikbaar is (bijv. https://meldcode.stichting.nl). Alle links "
                            "in e-mails en in de uitvoer van de demo beginnen hiermee; `make demo` zet het op "
                            "http://HOST:PORT.")
# Single sign-on with OpenID Connect (accounts/sso.py, docs/sso.md). A board can configure its own provider in
# the interface; these variables configure one for the whole installation (for e-mail domains no board claims).
OIDC_ISSUER = config("OIDC_ISSUER", "",
                     help_text="Optioneel: issuer-adres van één OpenID Connect-provider voor de hele installatie, "
                               "bijv. https://login.microsoftonline.com/<tenant-id>/v2.0. Leeg: alleen providers die "
                               "een bestuur zelf instelt.")
OIDC_CLIENT_ID = config("OIDC_CLIENT_ID", "", help_text="Client-ID bij die provider.")
OIDC_CLIENT_SECRET = config("OIDC_CLIENT_SECRET", "", help_text="Clientgeheim bij die provider.")
OIDC_EMAIL_DOMAINS = config("OIDC_EMAIL_DOMAINS", [], cast=list,
                            help_text="Komma-gescheiden e-maildomeinen die via die provider inloggen.")
OIDC_REQUIRED = config("OIDC_REQUIRED", False, cast=bool,
                       help_text="Aan: adressen op die domeinen kunnen niet met een wachtwoord inloggen.")
OIDC_MFA_ACR_VALUES = config("OIDC_MFA_ACR_VALUES", [], cast=list,
                             help_text="Komma-gescheiden acr-waarden van die provider die als tweede factor tellen "
                                       "(naast amr met mfa/otp/hwk/sc).")
OIDC_PROVIDER_NAME = config("OIDC_PROVIDER_NAME", "Schoolaccount",
                            help_text="Naam van die provider op de inlogpagina, bijv. Microsoft 365.")
OIDC_TIMEOUT = config("OIDC_TIMEOUT", 10, cast=int,
                      help_text="Seconden dat de app wacht op de OpenID Connect-provider (discovery, sleutels, token).")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_VERIFY_SSL = True
OIDC_CREATE_USER = False  # accounts are matched to existing staff only; roles stay the directie's

# Links to choose a password (invitations, a forgotten password) work once and for this long (Django's tokens).
PASSWORD_RESET_TIMEOUT = 3600 * config(
    "PASSWORD_LINK_HOURS", 72, cast=int,
    help_text="Hoeveel uur een link om een wachtwoord te kiezen (uitnodiging of wachtwoord vergeten) geldig is. "
              "Een link werkt één keer.")

# Web hardening. Strict CSP: no inline script, no third-party origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = config("SECURE_SSL_REDIRECT", True, cast=bool,
                                 help_text="Stuur http door naar https (uit als de proxy dat doet).")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No dossier content in logs: request bodies are never logged, and errors go to stderr without locals.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": config("LOG_LEVEL", "INFO", help_text="Logniveau.")},
    "loggers": {"django.security.DisallowedHost": {"level": "ERROR"}},
}

# Accounts are locked by e-mail address alone: locking by IP address would lock out a whole school
# behind one NAT address. Rotating user agents or cookies does not bypass a per-account lock.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
