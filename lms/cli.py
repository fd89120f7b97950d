"""The ``lms`` command: Flask's command group for this app (run, shell, db …) plus the platform's commands."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from lms.core.db import db
from lms.core.errors import ValidationError


def _create_app() -> Flask:
    from lms import create_app

    return create_app(generate_secret=True)


@click.group(cls=FlaskGroup, create_app=_create_app, help="Nền tảng học tập cho cán bộ công đoàn.")
def main() -> None:
    """Entry point of the ``lms`` console script."""


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["cadre", "trainer", "union_admin", "federation_admin"]))
@click.option("--unit", "unit_code", help="Unit code (the scope of a union admin).")
@click.option("--cadre", "cadre_code", help="Cadre code to link this login to.")
@click.option("--password", help="For scripts; otherwise the password is read from standard input.")
@with_appcontext
def create_user_command(username, role, unit_code, cadre_code, password):
    """Create a login. The password comes from standard input unless --password is given."""
    from lms.accounts.operations import create_user

    if password is None:
        password = _password_from_stdin()
    try:
        user = create_user(username, password, role, unit_code, cadre_code)
    except ValidationError as exc:
        db.session.rollback()
        for field, message in exc.errors.items():
            click.echo(f"{field}: {message}" if field else message, err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Đã tạo tài khoản {user.username} ({user.role}).")


def _password_from_stdin() -> str:
    if sys.stdin.isatty():
        return click.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@click.command("set-password")
@click.argument("username")
@click.option("--password", help="For scripts; otherwise the password is read from standard input.")
@click.option("--temporary", is_flag=True, help="The user must change it at the next log-in.")
@with_appcontext
def set_password_command(username, password, temporary):
    """Set a login's password (a federation admin who forgot theirs): lifts a lock-out, ends its sessions."""
    from sqlalchemy import select

    from lms.accounts.models import User
    from lms.accounts.operations import reset_password

    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        click.echo(f"Không có tài khoản {username}.", err=True)
        sys.exit(1)
    if password is None:
        password = _password_from_stdin()
    try:
        reset_password(user, password, None, must_change=temporary)
    except ValidationError as exc:
        db.session.rollback()
        for message in exc.errors.values():
            click.echo(message, err=True)
        sys.exit(1)
    db.session.commit()
    disabled = "" if user.is_enabled else " Tài khoản đang bị khóa: mở lại trong trang Tài khoản."
    click.echo(f"Đã đặt mật khẩu cho {user.username}.{disabled}")


def register_commands(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(set_password_command)
    from lms.cadres.commands import import_cadres_command

    app.cli.add_command(import_cadres_command)
    from lms.courses.commands import export_course_command, import_course_command
    from lms.quizzes.commands import questions_group

    app.cli.add_command(import_course_command)
    app.cli.add_command(export_course_command)

    app.cli.add_command(questions_group)
    from lms.certificates.commands import certificates_group

    app.cli.add_command(certificates_group)
    from lms.plans.commands import reminders_group

    app.cli.add_command(reminders_group)
    from lms.reports.commands import reports_group

    app.cli.add_command(reports_group)
    from lms.demo import demo_command  # noqa: E402

    app.cli.add_command(demo_command)
    from lms.backup_commands import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


if __name__ == "__main__":
    main()
