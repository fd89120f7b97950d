"""Stored XSS: every conformance payload through every author-controlled field, rendered by its pages.

The payloads are ``../shared/conformance/xss/payloads.json`` (494 of them, from DOMPurify's and
other sanitisers' test suites). Each is stored through the platform's real operations and then the
pages that show the field are fetched with the test client and parsed with ``html.parser``:

- no ``<script>`` element except the platform's own ``<script src="/static/…">`` (with no body),
  and none of the elements that load or run foreign content (iframe, object, embed, base, math, …);
- no ``on*`` event-handler attribute anywhere, no ``srcdoc``;
- no ``javascript:``, ``vbscript:`` or ``data:text/html`` URL in href, src, action, formaction,
  xlink:href, poster, background or data;
- the payload's dangerous tags (script, iframe, svg, form, input, style, meta, …) appear only
  escaped: none of its opening tags is found verbatim in the page.

Runtime choice: ALL payloads go through the Markdown and title fields — course title and
description, module title and content (one published course per payload, its learner course page
and module page each checked, plus the catalogue and the author's list). A representative 60
(every 8th payload of the file, which keeps each source's variety) go through the other fields:
quiz question text and options (GIFT, specials escaped, in [moodle], [html] and [markdown] text
formats; the learner's attempt and result pages and the trainer's bank), unit name, cadre full
name, training-class title / place / trainer name, external-training title / provider, plan name,
and the certificate settings' issuer name and signer (the settings page and the certificate's own
HTML, which WeasyPrint lays out). Values are cut to the column's length where one applies. A planning entry's note (quy hoạch) is shown on the
cadre's page with the sample of names.

At the end, one Chromium run (in a child process, with the dialog trap of the e2e ``new_page`` fixture: any
JavaScript dialog fails the test) renders a sample of stored fields on the learner's pages of a live server.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser

import pytest

from lms.core.db import db
from tests.conftest import SHARED
from tests.test_access import _client_as

PAYLOADS_FILE = SHARED / "conformance" / "xss" / "payloads.json"
pytestmark = pytest.mark.skipif(not PAYLOADS_FILE.exists(), reason="../shared/conformance/xss/payloads.json is not present")
PAYLOADS = [p["payload"] for p in json.loads(PAYLOADS_FILE.read_text())] if PAYLOADS_FILE.exists() else []
SAMPLE = PAYLOADS[::8][:60]

# Elements that never belong in a page of the platform.
FORBIDDEN = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "math", "portal", "xmp",
             "plaintext", "noembed", "isindex", "listing"}
# Tags of a payload that must never come out verbatim.
DANGEROUS = FORBIDDEN | {"script", "svg", "style", "link", "meta", "form", "input", "button", "textarea", "select",
                         "option", "template", "noscript", "video", "audio", "source", "track", "marquee", "body",
                         "html", "head", "title", "details", "dialog", "keygen", "image", "animate", "set", "use",
                         "foreignobject"}  # img, a, p…: kept by the sanitisers, checked by the DOM rules
BARE_ALWAYS = FORBIDDEN | {"script", "style", "template", "noscript", "svg", "image"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "data", "codebase",
                  "cite", "lowsrc", "dynsrc"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html", "data:image/svg", "data:application/xhtml")
_TAG = re.compile(r"<\s*([a-zA-Z][a-zA-Z0-9:-]*)([^<>]*)>?")


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script_src: str | None = None

    def handle_starttag(self, tag, attrs):
        tag = tag.lower()
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "script":
            src = values.get("src", "")
            self._script_src = src
            if not src.startswith("/static/"):
                self.problems.append(f"a <script> that is not the platform's: {self.get_starttag_text()[:200]}")
        elif tag in FORBIDDEN:
            self.problems.append(f"a <{tag}> element: {self.get_starttag_text()[:200]}")
        elif tag == "meta" and "http-equiv" in values:
            self.problems.append(f"a <meta http-equiv>: {self.get_starttag_text()[:200]}")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"an event handler {name}= on <{tag}>: {self.get_starttag_text()[:200]}")
            if name == "srcdoc":
                self.problems.append(f"srcdoc on <{tag}>")
            if name in URL_ATTRIBUTES or name.endswith(":href"):
                folded = re.sub(r"[\x00-\x20]+", "", value).lower()
                if folded.startswith(BAD_SCHEMES):
                    self.problems.append(f"a {folded.split(':')[0]}: URL in {name}= of <{tag}>: {value[:120]}")
            if name == "style" and re.search(r"expression\s*\(|javascript:|behavior\s*:|-moz-binding", value, re.I):
                self.problems.append(f"a scripting style on <{tag}>: {value[:120]}")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag.lower() == "script":
            self._script_src = None

    def handle_data(self, data):
        if self._script_src is not None and data.strip():
            self.problems.append(f"a script with a body: {data[:120]}")

    def handle_endtag(self, tag):
        if tag.lower() == "script":
            self._script_src = None


def _fragments(payload: str):
    """The payload's opening tags that must never appear verbatim in a page."""
    for match in _TAG.finditer(payload):
        name, rest = match.group(1).lower(), match.group(2)
        if name in BARE_ALWAYS or (name in DANGEROUS and ("=" in rest or len(match.group(0)) >= 12)):
            fragment = match.group(0)[:80]
            if len(fragment) >= 5:
                yield fragment


def problems_in(html: str, payloads, where: str) -> list[str]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    found = [f"{where}: {p}" for p in collector.problems]
    for payload in payloads:
        for fragment in _fragments(payload):
            if fragment in html:
                found.append(f"{where}: the payload's tag came out unescaped: {fragment!r} (payload {payload[:100]!r})")
                break
    return found


def check(client, url: str, payloads, *, allow=(200,)) -> list[str]:
    response = client.get(url, follow_redirects=True)
    if response.status_code not in allow:
        return [f"GET {url}: status {response.status_code}"]
    return problems_in(response.get_data(as_text=True), payloads, f"GET {url}")


def fit(payload: str, length: int) -> str:
    """The payload cut to a column's length; never empty (a blank title is refused, not stored)."""
    text = payload[:length]
    return text if text.strip() else "x" + text[: length - 1]


def report(problems: list[str]) -> None:
    assert not problems, f"{len(problems)} problems, the first 25:\n" + "\n".join(problems[:25])


def test_the_checker_catches_what_it_should():
    """The control: the checks fire on unescaped payloads and stay quiet on the escaped ones."""
    from markupsafe import escape

    bad = '<p>x</p><img src=x onerror=alert(1)><a href=" java\tscript:alert(1)">y</a><script>alert(1)</script>'
    assert len(problems_in(bad, [], "bad")) == 4  # handler, URL, script element, script body
    assert problems_in('<svg onload="alert(1)">', ['<svg onload="alert(1)">'], "svg")
    assert not problems_in(f"<p>{escape(bad)}</p>", [bad], "escaped")
    assert not problems_in('<script src="/static/js/app.js"></script>', [], "own")
    assert problems_in('<iframe src="/"></iframe>', [], "iframe")
    assert problems_in('<form><button formaction="javascript:alert(1)">', [], "formaction")


# -- all payloads: course title and description, module title and content --------------------------------

def test_every_payload_in_course_and_module_fields(app, province):
    from lms.courses import operations

    trainer, cadre = province["users"]["trainer"], province["cadre_a"]
    courses = []
    for i, payload in enumerate(PAYLOADS):
        course = operations.create_course(f"XSS-{i:04d}", operations.CourseMeta(fit(payload, 300), payload), trainer)
        version = operations.latest(course)
        operations.add_module(version, operations.ModuleData(fit(payload, 300), payload, 5, key="bai-1"))
        operations.publish(version)
        operations.enrol(cadre, course)
        courses.append((course, payload))
    db.session.flush()

    learner = _client_as(app, "cadre", province)
    author = _client_as(app, "trainer", province)
    problems = []
    for course, payload in courses:
        problems += check(learner, f"/learn/courses/{course.code}", [payload])
        problems += check(learner, f"/learn/courses/{course.code}/modules/bai-1", [payload])
    problems += check(learner, "/learn/", PAYLOADS)
    problems += check(learner, "/", PAYLOADS)
    problems += check(author, "/author/", PAYLOADS)
    for course, payload in courses[::8]:  # the author's pages for the sample
        problems += check(author, f"/author/courses/{course.id}", [payload])
        problems += check(author, f"/author/courses/{course.id}/preview", [payload])
    report(problems)


# -- the sample: quiz questions ---------------------------------------------------------------------------

def gift_escape(text: str) -> str:
    """Text as a GIFT field: one line, the specials ~ = # { } : and the backslash escaped."""
    return "".join("\\" + ch if ch in "~=#{}:\\" else ch for ch in " ".join(text.split()))


def test_sample_in_quiz_questions_and_options(app, province):
    from lms.courses import operations
    from lms.courses.models import ModuleQuizSource
    from lms.quizzes import operations as quiz_operations

    gift = []
    for payload in SAMPLE:
        text = gift_escape(payload)
        for fmt in ("[moodle]", "[html]", "[markdown]"):
            # answers and feedback may not start with "[" (read as a text format): a word goes first
            gift.append(f"{fmt}{text} {{\n=Đúng {text} #Nhận xét {text}\n~Phương án sai #Sai {text}\n}}\n")
    course = operations.create_course("XSS-QUIZ", operations.CourseMeta("Kiểm tra câu hỏi"), province["users"]["trainer"])
    version = operations.latest(course)
    module = operations.add_module(version, operations.ModuleData("Bài có kiểm tra", "Nội dung", 5))
    db.session.add(ModuleQuizSource(module_id=module.id, filename="xss.gift", format="gift", text="\n".join(gift),
                                    pass_mark=50))
    db.session.flush()
    operations.publish(version)
    quiz = module.quiz
    assert quiz is not None and len(quiz.slots) == 3 * len(SAMPLE)
    quiz.questions_per_page = 100
    quiz.feedback_when, quiz.review_when = "immediately", "after_submit"
    attempt = quiz_operations.start_attempt(quiz, province["cadre_a"], operations.enrol(province["cadre_a"], course))
    db.session.flush()

    learner = _client_as(app, "cadre", province)
    trainer = _client_as(app, "trainer", province)
    problems = []
    for page in (1, 2):
        problems += check(learner, f"/quizzes/attempts/{attempt.id}?page={page}", SAMPLE)
    problems += check(learner, f"/quizzes/attempts/{attempt.id}/finish", SAMPLE)
    problems += check(trainer, f"/quizzes/courses/{course.id}", SAMPLE)
    for answer in attempt.answers:
        answer.response = None
    quiz_operations.submit_attempt(attempt)
    db.session.flush()
    problems += check(learner, f"/quizzes/attempts/{attempt.id}/result", SAMPLE)
    problems += check(trainer, f"/quizzes/attempts/{attempt.id}/result", SAMPLE)
    problems += check(trainer, f"/quizzes/{quiz.id}/statistics", SAMPLE)
    for slot in quiz.slots[::3]:  # a question's own page, with its key (one of each payload)
        problems += check(trainer, f"/quizzes/questions/{slot.question_id}", SAMPLE)
    report(problems)


def test_sample_in_question_category_names(app, province):
    """Category names come from a quiz file's ``$CATEGORY`` lines; the bank and the module form (its list
    of categories to draw from, its draw rules as typed) show them."""
    from lms.courses import operations
    from lms.courses.models import ModuleQuizSource
    from lms.quizzes.operations import category_path

    gift = "".join(f"$CATEGORY: $course$/{gift_escape(p)[:250]}\n\n::Q{i}:: Câu {i} {{T}}\n\n"
                   for i, p in enumerate(SAMPLE))
    course = operations.create_course("XSS-CAT", operations.CourseMeta("Kiểm tra danh mục"), province["users"]["trainer"])
    version = operations.latest(course)
    module = operations.add_module(version, operations.ModuleData("Bài có kiểm tra", "Nội dung", 5))
    db.session.add(ModuleQuizSource(module_id=module.id, filename="xss.gift", format="gift", text=gift, pass_mark=50))
    db.session.flush()
    operations.publish(version)
    draft = operations.draft_of(course)
    first = module.quiz.slots[0].question.category
    draft.modules[0].quiz_source.draws = f"1 {category_path(first)}\n"
    db.session.commit()
    trainer = _client_as(app, "trainer", province)
    problems = check(trainer, f"/quizzes/courses/{course.id}", SAMPLE)
    problems += check(trainer, f"/author/modules/{draft.modules[0].id}/edit", SAMPLE)
    report(problems)


# -- the sample: units, cadres, classes, external training, plans ------------------------------------------

def test_sample_in_unit_and_cadre_names(app, province, make):
    units = [make.unit(fit(p, 300), parent=province["upper_a"], level="grassroots", track="business") for p in SAMPLE]
    cadres = [make.cadre(fit(p, 200), unit=province["biz"]) for p in SAMPLE]
    from lms.cadres.operations import add_planning

    for cadre, payload in zip(cadres, SAMPLE):  # the note of a planning entry (quy hoạch), on the cadre's page
        add_planning(cadre, make.titles["chu_tich"], dt.date(2025, 1, 1), note=payload)
    db.session.flush()
    admin = _client_as(app, "admin", province)
    problems = []
    for unit, cadre, payload in zip(units, cadres, SAMPLE):
        problems += check(admin, f"/units/{unit.id}", [payload])
        problems += check(admin, f"/cadres/{cadre.id}", [payload])
        problems += check(admin, f"/records/{cadre.id}", [payload])
    problems += check(admin, f"/units/{province['upper_a'].id}", SAMPLE)
    problems += check(admin, "/units/?q=a", SAMPLE)
    problems += check(admin, f"/cadres/?unit={province['biz'].id}", SAMPLE)
    problems += check(admin, f"/cadres/?unit={province['biz'].id}&page=2", SAMPLE)
    problems += check(admin, f"/reports/units/{province['upper_a'].id}", SAMPLE)
    problems += check(admin, "/reports/overview", SAMPLE)
    problems += check(admin, "/plans/new", SAMPLE)
    report(problems)


def test_sample_in_a_courses_learners(app, province, make):
    """Cadre and unit names on the learners page of a course, which its trainer reads."""
    from lms.courses import operations

    course = operations.create_course("XSS-HOC-VIEN", operations.CourseMeta("Học viên", ""), province["users"]["trainer"])
    operations.add_module(operations.latest(course), operations.ModuleData("Bài 1", "x", 5, key="bai-1"))
    operations.publish(operations.latest(course))
    for payload in SAMPLE:
        unit = make.unit(fit(payload, 300), parent=province["upper_a"], level="grassroots", track="business")
        operations.enrol(make.cadre(fit(payload, 200), unit=unit), course)
    db.session.flush()
    trainer = _client_as(app, "trainer", province)
    assert f"{len(SAMPLE)} học viên, xếp theo tên" in trainer.get(f"/author/courses/{course.id}/learners").get_data(as_text=True)
    problems = check(trainer, f"/author/courses/{course.id}/learners", SAMPLE)
    problems += check(trainer, f"/author/courses/{course.id}/learners?page=2", SAMPLE)
    report(problems)


def test_sample_in_classes_and_external_training(app, province):
    from lms.records import operations as records

    classes = []
    for payload in SAMPLE:
        value = fit(payload, 300)
        training_class = records.create_class(records.ClassData(
            value, province["biz"], dt.date(2024, 3, 1), dt.date(2024, 3, 2), 8, topic=value, place=value,
            trainer_name=value), province["users"]["trainer"])
        records.add_attendees(training_class, [province["cadre_a"].id])
        classes.append(training_class)
        records.add_external(province["cadre_a"], records.ExternalData(
            "other", value, dt.date(2020, 6, 30),
            provider=value, result=fit(payload, 100), note=payload), None)
    db.session.flush()
    trainer = _client_as(app, "trainer", province)
    learner = _client_as(app, "cadre", province)
    admin = _client_as(app, "admin", province)
    problems = []
    for training_class, payload in zip(classes, SAMPLE):
        problems += check(trainer, f"/classes/{training_class.id}", [payload])
        problems += check(trainer, f"/classes/{training_class.id}/edit", [payload])
    problems += check(trainer, "/classes/", SAMPLE)
    problems += check(learner, "/records/me", SAMPLE)
    problems += check(admin, f"/records/{province['cadre_a'].id}", SAMPLE)
    report(problems)


def test_sample_in_plan_names(app, province):
    from lms.courses import operations
    from lms.plans import operations as plans

    course = operations.create_course("XSS-KH", operations.CourseMeta("Khóa cho kế hoạch"), province["users"]["trainer"])
    version = operations.latest(course)
    operations.add_module(version, operations.ModuleData("Bài", "Nội dung", 5))
    operations.publish(version)
    created = []
    for payload in SAMPLE:
        plan = plans.create_plan(plans.PlanData(fit(payload, 300)), province["users"]["union"])
        assignment = plans.create_assignment(plan, plans.AssignmentData([course], due_on=dt.date(2030, 1, 1), note=payload))
        created.append((plan, assignment, payload))
    db.session.flush()
    union = _client_as(app, "union", province)
    learner = _client_as(app, "cadre", province)
    problems = []
    for plan, assignment, payload in created:
        problems += check(union, f"/plans/{plan.id}", [payload])
        problems += check(union, f"/plans/assignments/{assignment.id}", [payload])
    problems += check(union, "/plans/", SAMPLE)
    problems += check(learner, "/", SAMPLE)
    problems += check(learner, "/notifications", SAMPLE)
    report(problems)


# -- the sample: certificate settings ----------------------------------------------------------------------

def test_sample_in_certificate_settings(app, province):
    from lms.certificates import rendering
    from lms.certificates.operations import TEXT_SETTINGS, save_certificate_settings, template_class
    from lms.core.settings import get_settings

    admin = _client_as(app, "admin", province)
    base = {key: get_settings().get(key) or "" for key in TEXT_SETTINGS}
    base.update({"issuer_name": "LĐLĐ tỉnh Thử", "issuer_short": "LĐLĐ", "place": "Thử", "signer_title": "Chủ tịch"})
    template = template_class("default")
    problems = []
    for payload in SAMPLE:
        value = fit(payload, 200)
        save_certificate_settings({**base, "issuer_name": value, "issuer_parent": value, "signer_name": value,
                                   "signer_on_behalf": fit(payload, 100), "signer_title": fit(payload, 100)},
                                  province["users"]["admin"])
        db.session.flush()
        problems += check(admin, "/certificates/settings", [payload])
        settings = get_settings()
        data = rendering.preview_data(issuer_name=settings["issuer_name"], signer_name=settings["signer_name"],
                                      issuer_parent=settings["issuer_parent"], course_title=fit(payload, 300),
                                      full_name=fit(payload, 200), unit_name=fit(payload, 300))
        html = template.render_html({**data, "qr_code": "data:image/png;base64,", "fit": 0})
        problems += problems_in(html, [payload], "the certificate's HTML")
    report(problems)


# -- one rendering in Chromium ------------------------------------------------------------------------------

from tests.e2e.conftest import PASSWORD as E2E_PASSWORD  # noqa: E402
from tests.e2e.conftest import live_server  # noqa: E402,F401  (a fixture: a server of this module's own)

BROWSER_SAMPLE = [p for p in SAMPLE if re.search(r"alert|prompt|confirm|print\(", p)][:12]

SEED_SCRIPT = '''
import datetime as dt, json
from lms.core.db import db
from lms.core.settings import save_settings
from lms.courses import operations
from lms.certificates import operations as certificates
from lms.plans import operations as plans
from lms.records import operations as records
from tests.conftest import Factory

sample = json.loads(open({payloads!r}, encoding="utf-8").read())
cut = lambda text, n: text[:n] if text[:n].strip() else "x" + text[: n - 1]
make = Factory()
fed = make.unit("Liên đoàn Lao động tỉnh XSS", code="XSS-LDLD")
upper = make.unit("Công đoàn cấp trên XSS", parent=fed, code="XSS-CT")
unit = make.unit(cut(sample[0], 300), parent=upper, track="business", code="XSS-CS")
cadre = make.cadre(cut(sample[1], 200), unit=unit, code="XSS-CB")
make.user("hocvien-xss", cadre=cadre, password={password!r})
trainer = make.user("giangvien-xss", role="trainer", password={password!r})
course = operations.create_course("XSS-TRINH-DUYET", operations.CourseMeta(cut(sample[2], 300), "\\n\\n".join(sample)), trainer)
version = operations.latest(course)
operations.add_module(version, operations.ModuleData(cut(sample[3], 300), "\\n\\n".join(sample), 5, key="bai-1"))
operations.add_module(version, operations.ModuleData(cut(sample[4], 300), "\\n\\n".join(reversed(sample)), 5, key="bai-2"))
operations.publish(version)
enrolment = operations.enrol(cadre, course)
training_class = records.create_class(records.ClassData(cut(sample[5], 300), upper, dt.date(2024, 3, 1), dt.date(2024, 3, 2), 8,
    place=cut(sample[6], 300), trainer_name=cut(sample[7], 300)), trainer)
records.add_attendees(training_class, [cadre.id])
records.add_external(cadre, records.ExternalData("other", cut(sample[8], 300), dt.date(2020, 6, 30), provider=cut(sample[9], 300)), None)
plan = plans.create_plan(plans.PlanData(cut(sample[10], 300), units=[unit]), None)
plans.create_assignment(plan, plans.AssignmentData([course], due_on=dt.date.today() + dt.timedelta(days=20), note=sample[11]))
save_settings({{"signer_name": "Đặng Hữu Phước"}})
certificate = certificates.issue_certificate(cadre, certificates.Facts(cut(sample[11], 300), 8, dt.date(2024, 3, 1), dt.date(2024, 3, 2)))
db.session.commit()
open({done!r}, "w").write(certificate.verify_code)
'''


# Playwright's sync API runs one instance per thread, and the e2e tests keep theirs open for the whole
# session: the browser here runs in a child process, with the same dialog trap as ``new_page``.
BROWSE_SCRIPT = '''
import json, sys
from playwright.sync_api import sync_playwright
from tests.e2e.conftest import CHROMIUM_ARGS, PHONE, login
server = type("Server", (), {{"url": {url!r}}})()
dialogs, results = [], []
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path={chromium!r}, args=CHROMIUM_ARGS)
    for username, urls in (("hocvien-xss", {urls!r}), (None, {public!r})):
        context = browser.new_context(viewport=PHONE, locale="vi-VN")
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        if username:
            login(page, server, username, {password!r})
        for url in urls:
            page.goto(server.url + url)
            page.wait_for_load_state("load")
            page.wait_for_timeout(150)  # onerror/onload handlers get their chance
            results.append({{
                "url": url, "landed": page.url, "marker": page.evaluate("typeof window.__xss"),
                "foreign": page.locator("main script, main iframe, main object, main embed").count(),
                "lessons": page.locator(".lesson").count(), "h1": " ".join(page.locator("h1").first.inner_text().split()),
            }})
        context.close()
    browser.close()
print(json.dumps({{"dialogs": dialogs, "results": results}}, ensure_ascii=False))
'''


@pytest.mark.browser
def test_a_sample_renders_without_running_script_in_chromium(live_server, tmp_path):  # noqa: F811
    import shutil
    import subprocess
    import sys

    from tests.e2e.conftest import ROOT

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (scripts/bootstrap installs it)")
    payloads = tmp_path / "payloads.json"
    payloads.write_text(json.dumps(BROWSER_SAMPLE, ensure_ascii=False), encoding="utf-8")
    done = tmp_path / "done"
    script = tmp_path / "seed.py"
    script.write_text(SEED_SCRIPT.format(payloads=str(payloads), password=E2E_PASSWORD, done=str(done)), encoding="utf-8")
    result = live_server.lms("shell", input=f"exec(open({str(script)!r}, encoding='utf-8').read())\n")
    assert done.exists(), result.stdout + result.stderr
    verify_code = done.read_text()
    live_server.start()

    urls = ["/", "/learn/", "/learn/courses/XSS-TRINH-DUYET", "/learn/courses/XSS-TRINH-DUYET/modules/bai-1",
            "/learn/courses/XSS-TRINH-DUYET/modules/bai-2", "/records/me", "/certificates/mine", "/notifications"]
    code = BROWSE_SCRIPT.format(url=live_server.url, chromium=chromium, urls=urls, public=[f"/verify/{verify_code}"],
                                password=E2E_PASSWORD)
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert not outcome["dialogs"], f"a script ran a dialog: {outcome['dialogs']}"
    for visit in outcome["results"]:
        assert visit["marker"] == "undefined" and visit["foreign"] == 0, visit
        if "/modules/" in visit["url"]:  # the stored content really is on the page (not a redirect elsewhere)
            assert visit["url"] in visit["landed"] and visit["lessons"] == 1, visit
            sample = BROWSER_SAMPLE[3 if visit["url"].endswith("1") else 4]
            assert visit["h1"] and visit["h1"] in " ".join(sample.split()), visit
