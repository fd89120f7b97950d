"""A learning platform for the union cadres of a provincial Federation of Labour."""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None, *, generate_secret: bool = False) -> Flask:
    """Build the application: configuration layers, extensions, blueprints, commands.

    ``generate_secret`` (set by the ``lms`` command line, and implied by debug and testing)
    writes a new secret key into the instance folder when there is none yet.
    """
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("LMS_INSTANCE_PATH") or None,
        template_folder=str(ROOT / "templates"),
    )
    app.config.from_object("lms.config")
    app.config.from_pyfile("config.py", silent=True)
    _load_environment(app)
    if test_config is not None:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _configure_database(app)
    _configure_secret(app, generate_secret or app.debug or bool(app.config.get("TESTING")))

    import lms.models  # noqa: F401  (every table in the metadata)
    import lms.certificates  # noqa: F401  (declares the base class of certificate-template plugins)
    import lms.quizzes.types.base  # noqa: F401  (declares the base class question-type plugins must derive from)
    from lms.core import auth, i18n, plugins, security, web
    from lms.core.db import db
    from lms.core.migrate import migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    i18n.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    web.init_app(app)
    plugins.init_app(app)

    from lms.accounts.admin_views import bp as accounts_admin_bp
    from lms.accounts.views import bp as accounts_bp
    from lms.cadres.import_views import bp as cadre_import_bp
    from lms.cadres.views import bp as cadres_bp
    from lms.certificates.views import bp as certificates_bp
    from lms.courses.authoring_views import bp as authoring_bp
    from lms.courses.learn_views import bp as learn_bp
    from lms.courses.package_views import bp as packages_bp
    from lms.home import bp as home_bp
    from lms.orgs.views import bp as orgs_bp
    from lms.plans.views import bp as plans_bp
    from lms.quizzes.views import bp as quizzes_bp
    from lms.records.views import bp as records_bp
    from lms.reports.views import bp as reports_bp

    from lms.quizzes import formats

    formats.use_translator(i18n.request_gettext)  # GIFT/Aiken errors in the page's language
    for bp in (
        home_bp, accounts_bp, accounts_admin_bp, orgs_bp, cadres_bp, cadre_import_bp, reports_bp,
        learn_bp, authoring_bp, packages_bp, quizzes_bp, records_bp, certificates_bp, plans_bp,
    ):
        app.register_blueprint(bp)

    from lms.cli import register_commands

    register_commands(app)
    if app.config.get("GC_FREEZE_AT_STARTUP") and not app.testing:
        _freeze_startup_objects()
    return app


def _freeze_startup_objects() -> None:
    """Collect the start-up garbage, then freeze what is left (:func:`gc.freeze`): the application's
    long-lived objects are no longer scanned by each full collection. Objects made later are collected
    as usual."""
    import gc

    gc.collect()
    gc.freeze()


def _load_environment(app: Flask) -> None:
    for key, raw in os.environ.items():
        if not key.startswith("LMS_") or key in {"LMS_INSTANCE_PATH"}:
            continue
        name = key[4:]
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        app.config[name] = value


def _configure_database(app: Flask) -> None:
    url = app.config.get("SQLALCHEMY_DATABASE_URI") or os.environ.get("DATABASE_URL")
    if not url:
        url = "sqlite:///" + str(Path(app.instance_path) / "lms.sqlite3")
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app.config["SQLALCHEMY_DATABASE_URI"] = url


def _configure_secret(app: Flask, generate: bool) -> None:
    """Use the configured secret, else the one in the instance folder, generating it on first run.

    A server started without a secret (gunicorn in production before any ``lms`` command ran)
    refuses to start: there is never a hard-coded fallback.
    """
    if app.config.get("SECRET_KEY"):
        return
    path = Path(app.instance_path) / "secret_key"
    if path.exists():
        app.config["SECRET_KEY"] = path.read_text().strip()
    elif generate:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
            app.config["SECRET_KEY"] = path.read_text().strip()
        except OSError:
            pass
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "No secret key: set LMS_SECRET_KEY, or run any `lms` command once (for example "
            f"`lms db upgrade`) to generate one into {app.instance_path}/secret_key."
        )
