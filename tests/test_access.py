"""Every route × every role, generated from the URL map so that a new route cannot escape it.

Each endpoint declares who may use it. For GET the allowed roles get 200 (or a redirect where
noted), the others 403, anonymous visitors a redirect to the login page. Every state-changing
route is also refused without a CSRF token.
"""
from __future__ import annotations

import datetime as dt

import pytest

from tests.courses.test_authoring import png_bytes

PNG = png_bytes()


ROLES = ("anonymous", "cadre", "cadre2", "trainer", "other_trainer", "other_union", "union", "admin")
ADMINS = {"union", "admin"}  # the object under test lies in the subtree of `union`, not `other_union`
EVERYONE = set(ROLES) - {"anonymous"}
LEARNERS = {"cadre", "cadre2"}  # logins linked to a cadre
AUTHORS = {"trainer", "other_trainer", "admin"}
EDITORS = {"trainer", "admin"}  # the course under test belongs to `trainer`; `other_trainer` is not a co-author

# endpoint → (roles allowed on GET, roles allowed on POST). None: that method is not served.
# "public" means anonymous visitors too.
ACCESS: dict[str, tuple[set | str | None, set | str | None]] = {
    "static": ("public", None),
    "home.index": (EVERYONE, None),
    "accounts.login": ("public", "public"),
    "accounts.logout": (None, EVERYONE),
    "accounts.language": (None, "public"),
    "accounts_admin.index": ({"union", "other_union", "admin"}, {"union", "other_union", "admin"}),
    # accounts: the account under test is `cadre`'s (a cadre of the subtree of `union`)
    "accounts.account": (EVERYONE, EVERYONE),
    "accounts_admin.show": ({"union", "admin"}, None),
    "accounts_admin.reset_password": (None, {"union", "admin"}),
    "accounts_admin.edit": (None, {"admin"}),
    "accounts_admin.disable": (None, {"union", "admin"}),
    "accounts_admin.enable": (None, {"union", "admin"}),
    "accounts_admin.unlock": (None, {"union", "admin"}),
    "orgs.index": ({"union", "other_union", "admin"}, None),
    "orgs.show": (ADMINS, None),
    "orgs.create_child": (ADMINS, ADMINS),
    "orgs.rename": (None, ADMINS),
    "orgs.retrack": (None, ADMINS),
    "orgs.move": (None, ADMINS),
    "orgs.merge": (None, ADMINS),
    "orgs.dissolve": (None, ADMINS),
    "cadres.index": ({"union", "other_union", "admin"}, None),
    "cadres.show": ({"cadre", "union", "admin"}, None),
    "cadres.create": ({"union", "other_union", "admin"}, {"union", "other_union", "admin"}),
    "cadres.edit": (ADMINS, ADMINS),
    "cadres.add_planning": (None, ADMINS),
    "cadres.end_planning": (None, ADMINS),
    "cadres.delete_planning": (None, ADMINS),
    "cadre_import.upload": ({"admin"}, {"admin"}),
    "cadre_import.template": ({"admin"}, None),
    "reports.index": ({"union", "other_union", "admin"}, None),
    "reports.overview": ({"union", "other_union", "admin"}, {"union", "other_union", "admin"}),
    "reports.unit": (ADMINS, ADMINS),
    "reports.term": ({"admin"}, {"admin"}),
    "learn.catalogue": (LEARNERS, None),
    "learn.course": (LEARNERS, None),
    "learn.enrol": (None, LEARNERS),
    "learn.resume": (LEARNERS, None),
    "learn.module": (LEARNERS, None),
    "learn.done": (None, LEARNERS),
    "authoring.index": (AUTHORS, None),
    "authoring.create": (None, AUTHORS),
    "authoring.course": (EDITORS, None),
    "authoring.settings": (EDITORS, EDITORS),
    "authoring.new_module": (EDITORS, EDITORS),
    "authoring.edit_module": (EDITORS, EDITORS),
    "authoring.preview": (EDITORS, None),
    "authoring.learners": (EDITORS, None),
    "authoring.move_module": (None, EDITORS),
    "authoring.delete_module": (None, EDITORS),
    "authoring.publish": (None, EDITORS),
    "authoring.start_draft": (None, EDITORS),
    "authoring.move_learners": (None, EDITORS),
    "authoring.add_author": (None, EDITORS),
    "authoring.remove_author": (None, EDITORS),
    "authoring.upload_asset": (None, EDITORS),
    "authoring.asset": (EVERYONE, None),  # an asset of a published version
    "packages.upload": (AUTHORS, AUTHORS),
    "packages.download": (EDITORS, None),
    # quizzes: the attempt under test belongs to `cadre`; the course to `trainer`
    "quizzes.start": (None, LEARNERS),
    "quizzes.attempt": ({"cadre"}, None),
    "quizzes.save_page": (None, {"cadre"}),
    "quizzes.save_answer": (None, {"cadre"}),
    "quizzes.finish": ({"cadre"}, None),
    "quizzes.submit": (None, {"cadre"}),
    "quizzes.result": ({"cadre"} | EDITORS, None),  # the cadre's own attempt is open: back to it (redirect)
    "quizzes.bank": (EDITORS, None),
    "quizzes.import_questions": (EDITORS, EDITORS),
    "quizzes.export": (EDITORS, None),
    "quizzes.settings": (EDITORS, EDITORS),
    "quizzes.attempts": (EDITORS, None),
    "quizzes.question": (EDITORS, None),
    "quizzes.delete_question": (None, EDITORS),
    "quizzes.statistics": (EDITORS, None),
    "quizzes.grading": (EDITORS, None),
    "quizzes.grade": (None, EDITORS),
    # records: the record under test is `cadre`'s (in the subtree of `union`); the class is `trainer`'s,
    # organised by a unit in the subtree of `union`
    "records.me": (LEARNERS, None),
    "records.show": ({"cadre", "union", "admin"}, None),
    "records.export": ({"cadre", "union", "admin"}, None),
    "records.evidence": ({"cadre", "union", "admin"}, None),
    "records.add_external": (ADMINS, ADMINS),
    "records.delete_entry": (None, ADMINS),
    "records.classes": ({"trainer", "other_trainer", "union", "other_union", "admin"}, None),
    "records.new_class": ({"trainer", "other_trainer", "union", "other_union", "admin"},
                          {"trainer", "other_trainer", "union", "other_union", "admin"}),
    "records.show_class": ({"trainer", "union", "admin"}, None),
    "records.edit_class": ({"trainer", "union", "admin"}, {"trainer", "union", "admin"}),
    "records.add_attendees": (None, {"trainer", "union", "admin"}),
    "records.save_results": (None, {"trainer", "union", "admin"}),
    "records.remove_attendee": ({"trainer", "union", "admin"}, {"trainer", "union", "admin"}),
    # certificates: the certificate under test is `cadre`'s (in the subtree of `union`)
    "certificates.mine": (LEARNERS, None),
    "certificates.pdf": ({"cadre", "union", "admin"}, None),
    "certificates.show": ({"cadre", "union", "admin"}, None),
    "certificates.register": ({"union", "other_union", "admin"}, None),
    "certificates.revoke": (None, ADMINS),
    "certificates.reissue": (ADMINS, ADMINS),
    "certificates.issue": ({"union", "other_union", "admin"}, {"union", "other_union", "admin"}),
    "certificates.issue_class": (None, {"union", "other_union", "admin"}),
    "certificates.export": ({"union", "other_union", "admin"}, None),
    "certificates.export_zip": ({"union", "other_union", "admin"}, None),
    "certificates.settings": ({"admin"}, {"admin"}),
    "certificates.verify": ("public", None),
    "certificates.lookup": ("public", None),
    # plans: the plan under test belongs to `union`'s subtree; the failed e-mail is about `cadre`
    "plans.index": ({"union", "other_union", "admin"}, None),
    "plans.create": ({"union", "other_union", "admin"}, {"union", "other_union", "admin"}),
    "plans.show": (ADMINS, None),
    "plans.new_assignment": (ADMINS, ADMINS),
    "plans.assignment": (ADMINS, None),
    "plans.exempt": (None, ADMINS),
    "plans.unexempt": (None, ADMINS),
    "plans.outbox": ({"union", "other_union", "admin"}, None),
    "plans.resend": (None, ADMINS),
    "plans.notifications": (EVERYONE, None),
    "plans.read_notifications": (None, EVERYONE),
}

# Allowed GETs that answer with a redirect rather than a page (for the object used here).
REDIRECTS = {"accounts.login", "reports.index", "records.me", "learn.resume", "learn.module", "quizzes.result", "authoring.edit_module", "authoring.settings", "authoring.new_module"}  # published: edit the draft first


def _url_for_rule(app, rule, objects) -> str:
    values = {}
    for arg in rule.arguments:
        if arg == "filename":
            values[arg] = "css/app.css" if rule.endpoint == "static" else "so-do.png"
        else:
            values[arg] = objects[arg]
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in ("GET", "POST"):
            if method in rule.methods:
                yield rule, method


def test_every_route_is_declared(app):
    missing = sorted({rule.endpoint for rule, _ in _routes(app)} - set(ACCESS))
    assert not missing, f"routes without an access declaration in tests/test_access.py: {missing}"
    served = {(rule.endpoint, method) for rule, method in _routes(app)}
    for endpoint, (get, post) in ACCESS.items():
        if endpoint in {r.endpoint for r in app.url_map.iter_rules()}:
            assert (get is not None) == ((endpoint, "GET") in served), endpoint
            assert (post is not None) == ((endpoint, "POST") in served), endpoint


@pytest.fixture()
def objects(province):
    from lms.courses import operations

    users = province["users"]
    course = operations.create_course("KIEM-TRA", operations.CourseMeta("Khóa kiểm tra quyền"), users["trainer"])
    version = operations.latest(course)
    module = operations.add_module(version, operations.ModuleData("Bài chung", "Nội dung ![sơ đồ](assets/so-do.png)", 5))
    operations.add_asset(version, "so-do.png", PNG)
    quiz_module = operations.add_module(version, operations.ModuleData("Bài có kiểm tra", "Nội dung", 5))
    from lms.core.db import db
    from lms.courses.models import ModuleQuizSource
    from lms.quizzes import operations as quiz_operations

    db.session.add(ModuleQuizSource(module_id=quiz_module.id, filename="kiem-tra.gift", format="gift",
                                    text="Câu 1 {=Đúng ~Sai}\n\nCâu 2 tự luận {}\n", pass_mark=70))
    db.session.flush()
    operations.publish(version)
    quiz = quiz_module.quiz
    attempt = quiz_operations.start_attempt(quiz, province["cadre_a"], operations.enrol(province["cadre_a"], course))
    from lms.records import operations as records

    external = records.add_external(province["cadre_a"], records.ExternalData(
        "political_intermediate", "Trung cấp lý luận chính trị", dt.date(2020, 6, 30)),
        records.Evidence(b"%PDF-1.4\n%minh chung\n", "bang.pdf"))
    training_class = records.create_class(records.ClassData(
        "Lớp kiểm tra quyền", province["biz"], dt.date(2024, 3, 1), dt.date(2024, 3, 2), 16), users["trainer"])
    records.add_attendees(training_class, [province["cadre_a"].id])
    from lms.certificates import operations as certificates
    from lms.core.settings import save_settings

    save_settings({"signer_name": "Đặng Hữu Phước"})
    certificate = certificates.issue_certificate(province["cadre_a"], certificates.Facts(
        "Khóa kiểm tra quyền", 8, dt.date(2024, 3, 1), dt.date(2024, 3, 2)))
    from lms.plans import operations as plans
    from lms.plans.models import OUTBOX_FAILED, OutboxMessage

    plan = plans.create_plan(plans.PlanData("Kế hoạch kiểm tra quyền"), users["union"])
    assignment = plans.create_assignment(plan, plans.AssignmentData([course], due_on=dt.date(2030, 1, 1)))
    message = OutboxMessage(dedupe_key="kiem-tra-quyen", kind="test", to_address="a@example.invalid", subject="Thư",
                            body="Nội dung", cadre_id=province["cadre_a"].id, unit_id=province["biz"].id,
                            status=OUTBOX_FAILED, attempts=6)
    db.session.add(message)
    from lms.cadres.operations import add_planning
    from lms.cadres.models import TitleType
    from sqlalchemy import select

    planning = add_planning(province["cadre_a"], db.session.scalar(select(TitleType).limit(1)), dt.date(2024, 1, 1))
    db.session.flush()
    return {
        "planning_id": planning.id,
        "plan_id": plan.id,
        "assignment_id": assignment.id,
        "message_id": message.id,
        "certificate_id": certificate.id,
        "verify_code": certificate.verify_code,
        "entry_id": external.id,
        "class_id": training_class.id,
        "exporter": "csv",
        "quiz_id": quiz.id,
        "attempt_id": attempt.id,
        "answer_id": attempt.answers[1].id,
        "question_id": attempt.answers[1].question_id,
        "position": 1,
        "code": course.code,
        "key": module.key,
        "course_id": course.id,
        "module_id": module.id,
        "version_id": version.id,
        "unit_id": province["biz"].id,
        "cadre_id": province["cadre_a"].id,
        "user_id": users["cadre"].id,
    }


def _client_as(app, role, province):
    client = app.test_client()
    if role != "anonymous":
        username = province["users"][role].username
        response = client.post("/login", data={"username": username, "password": "mat-khau-thu-nghiem"})
        assert response.status_code == 302, f"login as {role} failed"
    return client


def _allowed(spec, role) -> bool:
    return spec == "public" or role in spec


@pytest.mark.parametrize("role", ROLES)
def test_get_routes_by_role(app, province, objects, role):
    client = _client_as(app, role, province)
    failures = []
    for rule, method in _routes(app):
        if method != "GET":
            continue
        get_spec = ACCESS[rule.endpoint][0]
        url = _url_for_rule(app, rule, objects)
        response = client.get(url)
        if role == "anonymous" and get_spec != "public":
            ok = response.status_code == 302 and "/login" in response.headers["Location"]
        elif _allowed(get_spec, role):
            ok = response.status_code in (200, 302) if rule.endpoint in REDIRECTS else response.status_code == 200
        else:
            ok = response.status_code == 403
        response.close()
        if not ok:
            failures.append(f"GET {url} as {role}: {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_post_routes_refuse_unauthorised_roles(app, province, objects, role):
    """A role that may not use a state-changing route gets 403 (or the login page) and nothing changes."""
    client = _client_as(app, role, province)
    failures = []
    for rule, method in _routes(app):
        if method != "POST":
            continue
        spec = ACCESS[rule.endpoint][1]
        if _allowed(spec, role):
            continue
        url = _url_for_rule(app, rule, objects)
        response = client.post(url, data={})
        if role == "anonymous":
            ok = response.status_code == 302 and "/login" in response.headers["Location"]
        else:
            ok = response.status_code == 403
        if not ok:
            failures.append(f"POST {url} as {role}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_every_state_changing_route_requires_csrf(app, province, objects, csrf_on):
    """With CSRF protection on, a POST without a token is refused on every route, for every role."""
    failures = []
    for role in ("anonymous", "admin"):
        client = app.test_client()
        if role == "admin":
            # log in with a token taken from the login page
            page = client.get("/login").get_data(as_text=True)
            token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
            r = client.post("/login", data={"username": "admin", "password": "mat-khau-thu-nghiem", "csrf_token": token})
            assert r.status_code == 302, r.get_data(as_text=True)
        for rule, method in _routes(app):
            if method != "POST":
                continue
            url = _url_for_rule(app, rule, objects)
            response = client.post(url, data={"name": "x"})
            if response.status_code != 400:
                failures.append(f"POST {url} as {role} without a token: {response.status_code}")
    assert not failures, "\n".join(failures)
