"""Settings come from the environment, with safe production defaults."""

import json
import os
import subprocess
import sys

import pytest

PRINT_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "ENGINE": settings.DATABASES["default"]["ENGINE"],
    "NAME": str(settings.DATABASES["default"]["NAME"]),
    "SECRET_KEY": settings.SECRET_KEY,
    "LANGUAGE_CODE": settings.LANGUAGE_CODE,
    "TIME_ZONE": settings.TIME_ZONE,
    "CACHE": settings.CACHES["default"]["BACKEND"],
}))
"""


def settings_in_subprocess(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PILKADA_", "DATABASE_"))}
    clean.update({"DJANGO_SETTINGS_MODULE": "pilkada.settings", "PILKADA_DATA_DIR": str(tmp_path)})
    clean.update(env)
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], env=clean, capture_output=True, text=True
    )
    return result


def test_production_defaults_are_safe(tmp_path):
    (tmp_path / "secret_key").write_text("k" * 50)
    result = settings_in_subprocess(tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_SSL_REDIRECT"] and values["SECURE_HSTS_SECONDS"] > 0
    assert values["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1"]
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["NAME"] == str(tmp_path / "pilkada.sqlite3")
    assert values["SECRET_KEY"] == "k" * 50
    assert values["LANGUAGE_CODE"] == "id" and values["TIME_ZONE"] == "Asia/Jakarta"
    # Room for the rate-limit counters of rotating clients (LocMemCache keeps 300 entries).
    assert values["CACHE"] == "pilkada.core.cache.LocalMemoryCache"


def test_without_a_secret_key_production_refuses_to_start(tmp_path):
    result = settings_in_subprocess(tmp_path)
    assert result.returncode != 0
    assert "No secret key" in result.stderr


@pytest.mark.parametrize(
    ("env", "key", "expected"),
    [
        ({"PILKADA_SECRET_KEY": "s3cret"}, "SECRET_KEY", "s3cret"),
        ({"PILKADA_ALLOWED_HOSTS": "pilkada.kpu.example, 10.0.0.5"}, "ALLOWED_HOSTS",
         ["pilkada.kpu.example", "10.0.0.5"]),
        ({"DATABASE_URL": "postgres://u@db.example:5432/pilkada"}, "ENGINE",
         "django.db.backends.postgresql"),
        ({"PILKADA_HTTPS": "0"}, "SESSION_COOKIE_SECURE", False),
        ({"PILKADA_DEBUG": "1"}, "DEBUG", True),
        ({"PILKADA_CACHE_BACKEND": "django.core.cache.backends.redis.RedisCache"}, "CACHE",
         "django.core.cache.backends.redis.RedisCache"),
    ],
)  # fmt: skip
def test_environment_overrides(tmp_path, env, key, expected):
    env.setdefault("PILKADA_SECRET_KEY", "x")
    result = settings_in_subprocess(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[key] == expected
