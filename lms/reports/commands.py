"""``lms reports refresh``: compute the standard reports ahead of time and keep them (see lms/reports/snapshots.py).

Meant for cron on a large installation, more often than ``REPORT_SNAPSHOT_MAX_AGE``:

    */15 * * * * cd /srv/lms && .venv/bin/lms reports refresh
"""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from lms.core.db import db
from lms.core.i18n import format_number


@click.group("reports")
def reports_group() -> None:
    """Báo cáo."""


@reports_group.command("refresh")
@click.option("--depth", default=1, show_default=True, type=click.IntRange(0, 5),
              help="Số cấp dưới liên đoàn có báo cáo theo đơn vị được tính trước.")
@with_appcontext
def refresh_command(depth: int) -> None:
    """Tính trước các báo cáo chuẩn (tổng quan của từng phạm vi, báo cáo theo đơn vị của các cấp trên) và lưu lại."""
    from lms.reports.operations import refresh_snapshots

    try:
        done = refresh_snapshots(depth)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for item in done:
        click.echo(f"{item.label}: {format_number(item.seconds, 2)} giây")
    click.echo(f"Đã tính {format_number(len(done))} báo cáo trong {format_number(sum(i.seconds for i in done), 1)} giây.")
