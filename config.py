"""Marelle configuration.

Everything a deployment changes comes from the environment; the defaults give a working
instance on a laptop (SQLite file and in-process jobs under ``instance/``).
"""
import os
import secrets
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("MARELLE_INSTANCE_DIR", BASE_DIR / "instance"))


def _secret_key(instance_dir: Path = None) -> str:
    """SECRET_KEY from the environment, or generated once and kept in instance/.

    Several workers may start at once on a fresh instance: each writes its candidate to a
    private temporary file, then links it into place; the link fails for all but the first
    writer, and everybody reads the winner. A half-written key can never be read."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    instance_dir = Path(instance_dir or INSTANCE_DIR)
    instance_dir.mkdir(parents=True, exist_ok=True)
    key_file = instance_dir / "secret_key"
    if not key_file.exists():
        candidate = instance_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
                handle.flush()
                os.fsync(handle.fileno())
            os.link(candidate, key_file)
        except FileExistsError:
            pass  # another worker was first: its key is the key
        finally:
            candidate.unlink(missing_ok=True)
    key = key_file.read_text().strip()
    if not key:
        raise RuntimeError(f"{key_file} is empty: delete it or set SECRET_KEY")
    return key


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _seconds_list(name: str, default: str) -> list:
    """"60,300,1800" -> [60, 300, 1800]."""
    text = os.environ.get(name) or default
    return [int(part) for part in text.replace(";", ",").split(",") if part.strip()]


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{INSTANCE_DIR / 'marelle.db'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the psycopg 3 driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    APP_NAME = "Marelle"
    APP_ICON = "/static/marelle/logo.svg"
    SECRET_KEY = _secret_key()
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    REDIS_URL = os.environ.get("REDIS_URL") or None
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "marelle")

    # FAB must never create or alter tables behind Alembic's back (DESIGN trap 5): the schema
    # only comes from migrations/, permissions are written by `flask marelle init`.
    FAB_CREATE_DB = False
    FAB_UPDATE_PERMS = False
    FAB_ADD_SECURITY_API = False
    # The admin's « Sécurité » menu holds Utilisateurs and Rôles; FAB's technical tables of
    # views, menus and permissions mean nothing to a town.
    FAB_ADD_SECURITY_PERMISSION_VIEW = False
    FAB_ADD_SECURITY_VIEW_MENU_VIEW = False
    FAB_ADD_SECURITY_PERMISSION_VIEWS_VIEW = False
    FAB_API_SWAGGER_UI = True
    FAB_INDEX_VIEW = "app.views.home.HomeView"
    FAB_SECURITY_MANAGER_CLASS = "app.security.manager.MarelleSecurityManager"
    FAB_BASE_TEMPLATE = "marelle/baselayout.html"
    AUTH_TYPE = AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    # Failed logins (web form and API alike) per account and per client address; see
    # app/security/throttle.py. Counters live in RATELIMIT_STORAGE_URI, which defaults to
    # REDIS_URL when set (shared by every worker), else to the process's memory.
    AUTH_RATE_LIMITED = True
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per 15 minutes")
    AUTH_RATE_LIMIT_PER_ADDRESS = os.environ.get("AUTH_RATE_LIMIT_PER_ADDRESS",
                                                 "50 per 15 minutes")
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or None
    RATELIMIT_HEADERS_ENABLED = True
    # Behind a reverse proxy, how many proxies' X-Forwarded-* headers to believe (werkzeug's
    # ProxyFix). 0 (the default) believes none: the client address is the socket's.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR") or 0)
    PROXY_FIX_X_PROTO = int(os.environ.get("PROXY_FIX_X_PROTO") or 0)
    PROXY_FIX_X_HOST = int(os.environ.get("PROXY_FIX_X_HOST") or 0)

    # Sessions: ended server-side at logout and password change, refused after this idle time.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES") or 240)
    # HTTPS deployments (MARELLE_HTTPS=1 or PREFERRED_URL_SCHEME=https): cookies only over
    # HTTPS, and HSTS. `make run` serves plain http on 127.0.0.1, hence the default.
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    MARELLE_HTTPS = _flag("MARELLE_HTTPS", PREFERRED_URL_SCHEME == "https")
    SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", MARELLE_HTTPS)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Every password FAB's forms set (mine, a user's, a new user's) and the first admin's.
    PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH") or 10)
    FAB_PASSWORD_COMPLEXITY_ENABLED = True

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    # FAB puts its own folder before this one; Flask-Babel 4 merges the catalogues in that order,
    # a later one overriding an earlier one: our French wins for FAB's texts we list in
    # tools/fab_msgids.py.
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = {
        "fr": {"flag": "fr", "name": "Français"},
        "en": {"flag": "gb", "name": "English"},
    }
    TIMEZONE = "Europe/Paris"
    # Pins the town's clock (ISO date-time, Paris time): for tests and for a demo frozen on a
    # date. Unset in production.
    MARELLE_NOW = os.environ.get("MARELLE_NOW") or None

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    # Uploaded documents live outside the web root and are only ever served as attachments.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", 5 * 1024 * 1024))
    # Flask rejects bodies above this before any view runs; a little headroom over the file limit
    # lets the view explain the refusal in French instead of a bare 413.
    MAX_CONTENT_LENGTH = MAX_UPLOAD_BYTES + 512 * 1024
    ALLOWED_UPLOAD_TYPES = {
        "application/pdf": "pdf",
        "image/jpeg": "jpg",
        "image/png": "png",
    }

    # The site's address as families and staff reach it (https://enfance.ville.fr): the links
    # e-mailed to them are built on it, never on the request's Host header (app/links.py).
    PUBLIC_URL = os.environ.get("PUBLIC_URL") or None
    # Data protection: people archived longer than this are pseudonymised by
    # `flask marelle purge --apply` (accounting records are kept).
    RETENTION_YEARS = int(os.environ.get("RETENTION_YEARS") or 5)
    # The town's name, as families read it on the portal and in e-mails.
    TOWN_NAME = os.environ.get("TOWN_NAME") or ""
    # E-mail (app/services/mail.py). Without MAIL_SERVER nothing leaves the machine: each
    # e-mail is written as a .eml file into MAIL_FOLDER and marked sent, so that `make run`
    # works offline and what would have been sent can be read.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT") or 587)
    # "starttls" (port 587), "ssl" (port 465) or "none" (a relay on the local network).
    MAIL_SECURITY = (os.environ.get("MAIL_SECURITY") or "starttls").strip().lower()
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_SENDER = os.environ.get("MAIL_SENDER") or "Marelle <noreply@marelle.invalid>"
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT") or 20)
    # A temporary failure (server unreachable, 4xx answer) is tried again after each of these
    # delays in seconds (the last one repeats), up to MAIL_MAX_ATTEMPTS tries in all.
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS") or 4)
    MAIL_RETRY_DELAYS = _seconds_list("MAIL_RETRY_DELAYS", "60,300,1800")
    MAIL_FOLDER = os.environ.get("MAIL_FOLDER", str(INSTANCE_DIR / "mail"))
    # « Mot de passe oublié »: requests per typed login or e-mail, and per client address.
    PASSWORD_RESET_RATE_LIMITED = True
    PASSWORD_RESET_RATE_LIMIT = os.environ.get("PASSWORD_RESET_RATE_LIMIT", "3 per 15 minutes")
    PASSWORD_RESET_RATE_LIMIT_PER_ADDRESS = os.environ.get(
        "PASSWORD_RESET_RATE_LIMIT_PER_ADDRESS", "20 per 15 minutes")

    ADMIN_USERNAME = os.environ.get("ADMIN_USERNAME", "admin")
    # Unset: `flask marelle init` generates the first admin's password and prints it once.
    ADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD") or None
    ADMIN_EMAIL = os.environ.get("ADMIN_EMAIL", "admin@marelle.invalid")


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    AUTH_RATE_LIMITED = False
    PASSWORD_RESET_RATE_LIMITED = False
    # Retries happen at once: no test sleeps.
    MAIL_RETRY_DELAYS = [0]
    MAIL_SERVER = None
    SESSION_COOKIE_SECURE = REMEMBER_COOKIE_SECURE = False
