"""Request-level behaviour shared by every area: one commit per request, errors, safe redirects."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError

from lms.core.db import db


def is_safe_next(target: str | None) -> bool:
    """Only same-site relative paths: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def init_app(app: Flask) -> None:
    from flask_login import current_user

    from lms.core.policy import can, is_union_admin

    app.jinja_env.globals["can"] = lambda action, obj=None: can(current_user, action, obj)
    # a union admin sees only part of the tree: pages say "within the part you manage" to them alone
    app.jinja_env.globals["sees_part_of_tree"] = lambda: current_user.is_authenticated and is_union_admin(current_user)

    @app.after_request
    def _commit(response):
        """Commit once per request when it succeeded; operations themselves only flush."""
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def _rollback(exc):
        if exc is not None:
            db.session.rollback()

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return render_template("errors.html", code=400, error=error), 400

    for code in (401, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page(code))


def _error_page(code: int):
    def handler(error):
        if code == 401:
            from flask import redirect, url_for

            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return render_template("errors.html", code=code, error=error), code

    return handler
