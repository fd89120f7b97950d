"""Default configuration. No secrets here: the secret key lives in the instance folder or LMS_SECRET_KEY.

Layers, each overriding the one before: these defaults → ``instance/config.py`` → ``LMS_*``
environment variables (``LMS_FOO=bar`` sets ``FOO``; JSON values are decoded) → the test config.
``DATABASE_URL`` chooses the database; unset means SQLite in the instance folder.
"""

BABEL_DEFAULT_LOCALE = "vi"
BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}

# No pool_pre_ping: a pooled PostgreSQL connection that died while idle is found without a round trip
# at check-out (lms/core/db.py, _replace_connection_closed_while_idle).
SQLALCHEMY_ENGINE_OPTIONS: dict = {}

# Move every object that exists once the application is built (modules, mappers, templates: about
# 170,000 of them) out of the garbage collector's reach, so that its full collections no longer stop a
# worker for ~100 ms every few thousand requests (benchmarks/README.md). Not under TESTING.
GC_FREEZE_AT_STARTUP = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = False  # set LMS_SESSION_COOKIE_SECURE=true behind HTTPS
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
PERMANENT_SESSION_LIFETIME = 60 * 60 * 12

WTF_CSRF_TIME_LIMIT = None  # a cadre may keep a form open for a long time on a phone

MAX_CONTENT_LENGTH = 20 * 1024 * 1024

# werkzeug's scrypt (memory-hard). The test configuration uses a cheap method to stay fast.
PASSWORD_HASH_METHOD = "scrypt"

# Login throttling: after LOGIN_SLOWDOWN_AFTER failures, each attempt must wait 2**(n - after)
# seconds (capped); after LOGIN_LOCK_AFTER failures the account is locked for LOGIN_LOCK_MINUTES.
LOGIN_SLOWDOWN_AFTER = 3
LOGIN_SLOWDOWN_MAX_SECONDS = 60
LOGIN_LOCK_AFTER = 10
LOGIN_LOCK_MINUTES = 15

# Plugins: names of installed entry points to load per group; None means all installed ones.
ENABLED_PLUGINS = None

PAGE_SIZE = 50

# Report snapshots (lms/reports/snapshots.py): a report figure that took at least
# REPORT_SNAPSHOT_MIN_SECONDS to compute is kept in the database and served for up to
# REPORT_SNAPSHOT_MAX_AGE seconds (the page says when it was computed and offers "recompute now");
# `lms reports refresh` (cron) recomputes the standard ones ahead of time. None disables snapshots.
# A province computes every report in well under a second, so it always sees live figures.
REPORT_SNAPSHOT_MIN_SECONDS = 0.3  # the latency the reports promise (benchmarks/README.md): slower ones are kept
REPORT_SNAPSHOT_MAX_AGE = 30 * 60
