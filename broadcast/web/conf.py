"""Django settings built in code for one station (called once per process)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from broadcast.fsutil import atomic_write_text
from broadcast.store import StationStore

HERE = Path(__file__).resolve().parent
SESSION_SECONDS = 8 * 3600


def secret_key(store: StationStore) -> str:
    """The station's secret key: generated at first start, stored with mode 0600."""
    path = store.web_secret_key_path
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    atomic_write_text(path, key + "\n")
    os.chmod(path, 0o600)
    return key


def django_settings(
    station_dir: Path,
    *,
    db_path: Path | None = None,
    key: str | None = None,
    allowed_hosts: list[str] | None = None,
    network_dir: Path | None = None,
) -> dict:
    store = StationStore(station_dir)
    if db_path is None:
        db_path = store.web_db_path
        db_path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "DEBUG": False,
        "SECRET_KEY": key or secret_key(store),
        "ALLOWED_HOSTS": allowed_hosts or ["*"],
        "BROADCAST_STATION_DIR": str(store.root),
        # A network folder (network.yaml) whose members the *Mạng đài* page shows; "" when none.
        "BROADCAST_NETWORK_DIR": str(Path(network_dir).resolve()) if network_dir else "",
        "INSTALLED_APPS": [
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django.contrib.staticfiles",
            "django_htmx",
            "broadcast.web.apps.WebConfig",
        ],
        "MIDDLEWARE": [
            "django.middleware.security.SecurityMiddleware",
            "whitenoise.middleware.WhiteNoiseMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
            "django_htmx.middleware.HtmxMiddleware",
            "broadcast.web.middleware.security_headers",
        ],
        "ROOT_URLCONF": "broadcast.web.urls",
        "TEMPLATES": [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [],
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                        "broadcast.web.context.console",
                    ]
                },
            }
        ],
        "DATABASES": {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(db_path),
                "OPTIONS": {"timeout": 20},
            }
        },
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "LANGUAGE_CODE": "vi",
        "USE_I18N": True,
        "USE_TZ": True,
        "TIME_ZONE": "Asia/Ho_Chi_Minh",
        "STATIC_URL": "/static/",
        "WHITENOISE_USE_FINDERS": True,
        "WHITENOISE_AUTOREFRESH": False,
        "LOGIN_URL": "/dang-nhap/",
        "SESSION_COOKIE_AGE": SESSION_SECONDS,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SAMESITE": "Lax",
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "DATA_UPLOAD_MAX_MEMORY_SIZE": 2_000_000,
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.PBKDF2PasswordHasher"],
        "AUTH_PASSWORD_VALIDATORS": [
            {
                "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
                "OPTIONS": {"min_length": 8},
            },
            {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
        ],
        "LOGGING_CONFIG": None,
    }


def configure(station_dir: str | Path, **kw) -> None:
    """Configure Django for `station_dir` (once per process) and create/upgrade its database."""
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(**django_settings(Path(station_dir), **kw))
        django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
