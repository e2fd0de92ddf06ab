"""The project's settings with the few overrides tests need."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")

from peergroups.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Without Redis, anything published during tests stays in memory, never in var/broker.
if not REDIS_URL:  # noqa: F405
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_DEFAULT_QUEUE = "pytest"

# A per-process cache: clearing it between tests must never touch Redis (the broker lives there).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
