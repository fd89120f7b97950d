"""``lms demo`` builds the article's 2014–2019 training figures into the records."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.core.db import db
from lms.orgs.models import Unit
from lms.records.models import Attendance, RecordEntry, TrainingClass
from tests.conftest import html_text
from tests.conftest import fresh_app as _fresh_app
from tests.test_demo import PASSWORD, _demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    with _fresh_app(tmp_path_factory.mktemp("demo-records")) as app:
        _demo(app, "--password", PASSWORD)
        yield app


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def test_the_term_has_the_article_classes_and_attendances(demo):
    with demo.app_context():
        in_term = select(TrainingClass.id).where(TrainingClass.start_on >= dt.date(2014, 1, 1),
                                                 TrainingClass.end_on <= dt.date(2019, 12, 31))
        assert _count(in_term) == 47
        assert _count(select(Attendance.id).where(Attendance.class_id.in_(in_term))) == 3573
        # one class entry per attendance, nothing else
        assert _count(select(RecordEntry.id).where(RecordEntry.kind == "class")) == 3573
        assert _count(select(RecordEntry.id).join(
            Attendance, (Attendance.class_id == RecordEntry.class_id) & (Attendance.cadre_id == RecordEntry.cadre_id))) == 3573
        topics = set(db.session.scalars(select(TrainingClass.topic)))
        assert topics == {"Điều lệ Công đoàn Việt Nam", "Nghiệp vụ công tác kiểm tra", "Tài chính công đoàn",
                          "Thi đua khen thưởng", "Hoạt động nữ công", "Phương pháp hoạt động công đoàn"}
        levels = set(db.session.scalars(
            select(Unit.level_id).join(TrainingClass, TrainingClass.organiser_unit_id == Unit.id)))
        organiser_levels = {u.level.code for u in db.session.scalars(select(Unit).where(Unit.level_id.in_(levels)))}
        assert organiser_levels == {"federation", "upper"}


def test_the_cadres_sent_to_study(demo):
    with demo.app_context():
        counts = dict(db.session.execute(
            select(RecordEntry.study_kind, func.count(func.distinct(RecordEntry.cadre_id)))
            .where(RecordEntry.kind == "external").group_by(RecordEntry.study_kind)).all())
        assert counts == {"masters": 7, "political_advanced": 8, "political_intermediate": 8}


@pytest.mark.parametrize("username", ["cadre", "cadre2"])
def test_the_login_cadres_have_class_entries(demo, username):
    client = demo.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    response = client.get("/records/me", follow_redirects=True)
    assert response.status_code == 200
    page = html_text(response)
    assert "Tập huấn" in page and "Chưa tham gia lớp tập huấn nào." not in page
    with demo.app_context():
        cadre_id = db.session.scalar(select(User.cadre_id).where(User.username == username))
        assert _count(select(RecordEntry.id).where(RecordEntry.cadre_id == cadre_id, RecordEntry.kind == "class")) >= 2
