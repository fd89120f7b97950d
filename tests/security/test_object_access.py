"""Object-level access: changing an id in a URL never shows another person's data.

The objects are those of ``tests/test_access.py`` (an attempt, a certificate, a training record with
an evidence file, a class, a plan — all about the cadre behind ``cadre``, Nguyễn Thị Ánh, in the
subtree of ``union``), plus a draft version's asset and a notification for ``cadre``. Three
neighbours try every URL that names them: another cadre (``cadre2``), a trainer who is not an
author (``other_trainer``) and the union admin of another subtree (``other_union``). Each gets 403
or 404, and the other person's name is never in the body.

The co-author role is covered here rather than in ``tests/test_access.py`` (whose ``province``
fixture has no co-author login): a trainer made co-author gets every editor-only page of the
course and can change it; ``other_trainer`` cannot.
"""
from __future__ import annotations

import re

import pytest
from flask import url_for

from lms.core.db import db
from tests.conftest import PASSWORD
from tests.courses.test_authoring import png_bytes
from tests.test_access import ACCESS, EDITORS, REDIRECTS, _client_as, _routes, _url_for_rule, objects  # noqa: F401

NAME = "Nguyễn Thị Ánh"
NEIGHBOURS = ("cadre2", "other_trainer", "other_union")


@pytest.fixture()
def more(objects, province):  # noqa: F811
    """A draft version with its own asset, and a notification for ``cadre`` that names her."""
    from lms.courses import operations
    from lms.courses.models import Course
    from lms.plans.models import Notification

    course = db.session.get(Course, objects["course_id"])
    draft = operations.draft_of(course)
    operations.add_asset(draft, "ban-nhap.png", png_bytes())
    db.session.add(Notification(user_id=province["users"]["cadre"].id, kind="test", title=f"Nhắc {NAME} học bài",
                                body=f"{NAME} còn 3 ngày.", url="/", dedupe_key="thong-bao-rieng"))
    db.session.flush()
    return {**objects, "draft_id": draft.id, "cadre2_id": province["cadre_b"].id}


def _urls(app, o) -> dict[str, str]:
    with app.test_request_context():
        return {
            "attempt": url_for("quizzes.attempt", attempt_id=o["attempt_id"]),
            "attempt finish": url_for("quizzes.finish", attempt_id=o["attempt_id"]),
            "attempt result": url_for("quizzes.result", attempt_id=o["attempt_id"]),
            "quiz attempts": url_for("quizzes.attempts", quiz_id=o["quiz_id"]),
            "certificate": url_for("certificates.show", certificate_id=o["certificate_id"]),
            "certificate pdf": url_for("certificates.pdf", certificate_id=o["certificate_id"]),
            "record": url_for("records.show", cadre_id=o["cadre_id"]),
            "record export": url_for("records.export", cadre_id=o["cadre_id"], exporter="csv"),
            "evidence": url_for("records.evidence", cadre_id=o["cadre_id"], entry_id=o["entry_id"]),
            # the entry id of someone else under one's own cadre id
            "evidence, swapped id": url_for("records.evidence", cadre_id=o["cadre2_id"], entry_id=o["entry_id"]),
            "cadre": url_for("cadres.show", cadre_id=o["cadre_id"]),
            "class": url_for("records.show_class", class_id=o["class_id"]),
            "plan": url_for("plans.show", plan_id=o["plan_id"]),
            "assignment": url_for("plans.assignment", assignment_id=o["assignment_id"]),
            "draft asset": url_for("authoring.asset", version_id=o["draft_id"], filename="ban-nhap.png"),
            "draft preview": url_for("authoring.preview", course_id=o["course_id"]),
        }


# Pages that a neighbour may legitimately open (they are about no one in particular) are not listed;
# "evidence, swapped id" is allowed to cadre2 only in the sense that it is their own record: the entry
# must still be refused (404).
def test_neighbours_never_see_another_persons_objects(app, province, more):
    urls = _urls(app, more)
    failures = []
    for role in NEIGHBOURS:
        client = _client_as(app, role, province)
        for what, url in urls.items():
            if role == "other_union" and what == "evidence, swapped id":
                continue  # cadre_b is in other_union's subtree: the entry is still not hers (checked for cadre2)
            response = client.get(url)
            body = response.get_data()
            text = body.decode("utf-8", "replace")
            if response.status_code not in (403, 404):
                failures.append(f"{role} GET {url} ({what}): {response.status_code}")
            if NAME in text or NAME.encode("utf-16-be") in body:
                failures.append(f"{role} GET {url} ({what}): the other person's name is in the body")
    assert not failures, "\n".join(failures)


def test_the_owner_does_see_them(app, province, more):
    """The control: the same URLs work for the cadre herself (so the refusals above mean something)."""
    urls = _urls(app, more)
    client = _client_as(app, "cadre", province)
    for what in ("certificate", "record", "cadre"):
        response = client.get(urls[what])
        assert response.status_code == 200 and NAME in response.get_data(as_text=True), what
    assert client.get(urls["certificate pdf"]).data.startswith(b"%PDF")
    assert client.get(urls["evidence"]).data.startswith(b"%PDF")
    assert client.get(urls["attempt"]).status_code == 200
    assert "Nhắc" in client.get("/notifications").get_data(as_text=True)
    # a cadre never sees a draft, even of a course she studies
    assert client.get(urls["draft asset"]).status_code in (403, 404)


def test_notifications_are_only_ones_own(app, province, more):
    from lms.plans.models import Notification

    for role in NEIGHBOURS:
        client = _client_as(app, role, province)
        page = client.get("/notifications").get_data(as_text=True)
        assert NAME not in page and "Nhắc" not in page, role
        assert client.post("/notifications/read").status_code == 302
    note = db.session.scalar(db.select(Notification).where(Notification.dedupe_key == "thong-bao-rieng"))
    db.session.refresh(note)
    assert note.read_at is None, "another user's 'mark as read' touched her notification"


def test_assets_of_a_draft_are_for_its_editors_only(app, province, more):
    url = _urls(app, more)["draft asset"]
    for role in ("cadre", "cadre2", "other_trainer", "other_union", "union"):
        assert _client_as(app, role, province).get(url).status_code in (403, 404), role
    for role in ("trainer", "admin"):
        response = _client_as(app, role, province).get(url)
        assert response.status_code == 200 and response.data.startswith(b"\x89PNG"), role


# -- the co-author ----------------------------------------------------------------------------------

@pytest.fixture()
def coauthor(app, province, more, make):
    from lms.courses import operations
    from lms.courses.models import Course

    user = make.user("dongsoan", role="trainer")
    course = db.session.get(Course, more["course_id"])
    operations.set_authors(course, [user])
    db.session.flush()
    client = app.test_client()
    assert client.post("/login", data={"username": "dongsoan", "password": PASSWORD}).status_code == 302
    return client


def test_a_coauthor_gets_every_editor_page_and_another_trainer_none(app, province, more, coauthor):
    other = _client_as(app, "other_trainer", province)
    failures = []
    checked = 0
    for rule, method in _routes(app):
        if method != "GET" or ACCESS[rule.endpoint][0] != EDITORS:
            continue
        url = _url_for_rule(app, rule, more)
        checked += 1
        status = coauthor.get(url).status_code
        if status != 200 and not (rule.endpoint in REDIRECTS and status == 302):
            failures.append(f"co-author GET {url}: {status}")
        status = other.get(url).status_code
        if status != 403:
            failures.append(f"other trainer GET {url}: {status}")
    assert checked >= 10
    assert not failures, "\n".join(failures)


def test_a_coauthor_can_change_the_course_and_another_trainer_cannot(app, province, more, coauthor):
    from lms.courses.models import CourseVersion, Module

    draft_id = more["draft_id"]
    url = f"/author/courses/{more['course_id']}/modules/new"
    form = {"title": "Bài của giảng viên đồng soạn", "duration_minutes": "5", "content": "Nội dung mới.", "save": "1"}
    other = _client_as(app, "other_trainer", province)
    assert other.post(url, data={**form, "title": "Bài của người ngoài"}).status_code == 403
    response = coauthor.post(url, data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    titles = set(db.session.scalars(db.select(Module.title).where(Module.version_id == draft_id)))
    assert "Bài của giảng viên đồng soạn" in titles and "Bài của người ngoài" not in titles
    assert db.session.get(CourseVersion, draft_id).status == "draft"
    # the co-author may add a co-author but not remove one (the owner's call)
    page = coauthor.get(f"/author/courses/{more['course_id']}").get_data(as_text=True)
    assert not re.search(r'action="[^"]*/authors/\d+/remove"', page)
