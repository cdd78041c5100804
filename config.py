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


def _secret_key() -> str:
    """SECRET_KEY from the environment, or generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


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
    FAB_API_SWAGGER_UI = True
    FAB_INDEX_VIEW = "app.views.home.HomeView"
    FAB_SECURITY_MANAGER_CLASS = "app.security.manager.MarelleSecurityManager"
    FAB_BASE_TEMPLATE = "marelle/baselayout.html"
    AUTH_TYPE = AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_RATE_LIMITED = True
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per 1 minute")
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
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

    ADMIN_USERNAME = os.environ.get("ADMIN_USERNAME", "admin")
    ADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD", "admin")
    ADMIN_EMAIL = os.environ.get("ADMIN_EMAIL", "admin@marelle.invalid")


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    AUTH_RATE_LIMITED = False
