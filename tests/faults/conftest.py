"""Fault tests: the platform served by gunicorn (as in production) while something goes wrong underneath.

Each module gets a live server of its own (``tests.e2e.conftest.LiveServer``: gunicorn with the
production worker class, two workers of two threads, on a free 127.0.0.1 port, its own SQLite file or
PostgreSQL database) holding the demo province, because the tests here kill workers, cut database
connections and break the blob folder. They talk to it with a tiny urllib client — a session cookie, the
CSRF token read from the page and sent as a form field or the ``X-CSRFToken`` header, as the page's own
script does — so no browser is needed. Every request has a timeout and every loop a deadline.
"""
from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import PASSWORD, LiveServer

TIMEOUT = 15  # seconds, for every request


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("faults"))
    try:
        server.lms("db", "upgrade")
        server.lms("demo", "--yes", "--password", PASSWORD)
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server_db(demo_server):
    """An engine on the live server's own database, for checking what was written."""
    engine = sa.create_engine(demo_server.database_url, poolclass=sa.pool.NullPool)  # survives terminated backends
    yield engine
    engine.dispose()


# -- a small HTTP client --------------------------------------------------------------------------

@dataclass
class Response:
    status: int
    url: str
    text: str
    headers: dict = field(default_factory=dict)

    def json(self):
        return json.loads(self.text)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Http:
    """A logged-in (or not) visitor: cookies kept, redirects followed by hand, HTTP errors returned."""

    def __init__(self, base: str, timeout: float = TIMEOUT):
        self.base = base
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())

    def request(self, method: str, path: str, data=None, headers: dict | None = None, follow: bool = True) -> Response:
        url = path if path.startswith("http") else self.base + path
        for _ in range(10):
            body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
            req = urllib.request.Request(url, data=body, method=method, headers={"Accept": "text/html", **(headers or {})})
            try:
                with self.opener.open(req, timeout=self.timeout) as raw:
                    response = Response(raw.status, raw.url, raw.read().decode("utf-8", "replace"), dict(raw.headers))
            except urllib.error.HTTPError as exc:
                response = Response(exc.code, url, exc.read().decode("utf-8", "replace"), dict(exc.headers))
            if follow and response.status in (301, 302, 303, 307, 308):
                url = urllib.parse.urljoin(url, response.headers["Location"])
                if response.status in (301, 302, 303):
                    method, data, headers = "GET", None, None
                continue
            return response
        raise AssertionError(f"too many redirects from {path}")

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data=None, **kwargs) -> Response:
        return self.request("POST", path, data=data or {}, **kwargs)

    def login(self, username: str, password: str = PASSWORD) -> Response:
        page = self.get("/login")
        response = self.post("/login", {"username": username, "password": password, "csrf_token": csrf_token(page.text)})
        assert "/login" not in response.url, f"{username} could not log in"
        return response

    def submit(self, page: Response, action_pattern: str, extra: dict | None = None) -> Response:
        """Submit the form of ``page`` whose action matches ``action_pattern``, with its hidden fields."""
        form = find_form(page.text, action_pattern)
        return self.post(urllib.parse.urljoin(page.url, form.action), {**form.hidden, **(extra or {})})


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(r'data-csrf="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


# -- reading pages --------------------------------------------------------------------------------

@dataclass
class Form:
    action: str
    hidden: dict = field(default_factory=dict)


@dataclass
class Question:
    position: int
    save_url: str
    prefix: str
    radios: list = field(default_factory=list)  # (name, value, checked)

    @property
    def values(self) -> list[str]:
        return [value for _, value, _ in self.radios]

    @property
    def checked(self) -> str | None:
        return next((value for _, value, checked in self.radios if checked), None)


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self.questions: list[Question] = []
        self._form: Form | None = None
        self._question: Question | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = Form(attrs.get("action") or "")
            self.forms.append(self._form)
        elif tag == "section" and attrs.get("data-save-url"):
            position = int(re.search(r"/answers/(\d+)$", attrs["data-save-url"]).group(1))
            self._question = Question(position, attrs["data-save-url"], attrs.get("data-prefix", ""))
            self.questions.append(self._question)
        elif tag == "input":
            if self._form is not None and attrs.get("type") == "hidden" and attrs.get("name"):
                self._form.hidden[attrs["name"]] = attrs.get("value", "")
            if self._question is not None and attrs.get("type") == "radio":
                self._question.radios.append((attrs["name"], attrs.get("value"), "checked" in attrs))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "section":
            self._question = None


def parse_page(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    return parser


def find_form(html: str, action_pattern: str) -> Form:
    forms = [f for f in parse_page(html).forms if re.search(action_pattern, f.action)]
    assert forms, f"no form with an action like {action_pattern!r}"
    return forms[0]


# -- a quiz taken over HTTP -----------------------------------------------------------------------

@dataclass
class QuizAttempt:
    id: int
    url: str
    csrf: str
    questions: list[Question]  # the questions answered with radio buttons, on every page

    @property
    def by_position(self) -> dict[int, Question]:
        return {q.position: q for q in self.questions}


def start_quiz(http: Http, course_code: str) -> QuizAttempt:
    """Start a new attempt at the quiz of the course's first module, enrolling first if needed."""
    course = http.get(f"/learn/courses/{course_code}")
    assert course.status == 200, course.status
    if any(f.action.endswith("/enrol") for f in parse_page(course.text).forms):
        module = http.submit(course, r"/enrol$")
    else:  # enrolled already (the demo's learners completed the course): open the first module
        module = http.get(re.search(rf'href="(/learn/courses/{course_code}/modules/[^"]+)"', course.text).group(1))
    assert module.status == 200 and "/modules/" in module.url, (module.status, module.url)
    attempt = http.submit(module, r"/quizzes/\d+/start$")
    match = re.search(r"/quizzes/attempts/(\d+)", attempt.url)
    assert attempt.status == 200 and match, (attempt.status, attempt.url)
    return read_attempt(http, int(match.group(1)))


def read_attempt(http: Http, attempt_id: int) -> QuizAttempt:
    """Every page of the attempt, as the learner sees it now."""
    url = f"/quizzes/attempts/{attempt_id}"
    first = http.get(url)
    assert first.status == 200, first.status
    pages = int(re.search(r"Trang 1 / (\d+)", first.text).group(1))
    questions = parse_page(first.text).questions
    for page in range(2, pages + 1):
        response = http.get(f"{url}?page={page}")
        assert response.status == 200, response.status
        questions += parse_page(response.text).questions
    return QuizAttempt(attempt_id, url, csrf_token(first.text), [q for q in questions if q.radios])


def save_answer(http: Http, attempt: QuizAttempt, question: Question, value: str) -> Response:
    """What quiz.js sends when a radio button changes."""
    name = question.radios[0][0]
    return http.post(question.save_url, {name: value},
                     headers={"X-CSRFToken": attempt.csrf, "Accept": "application/json"})


def stored_answers(engine, attempt_id: int) -> dict[int, str | None]:
    """position → the response as the form value that produced it (an option id, "true" or "false")."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT position, response FROM attempt_answers WHERE attempt_id = :a"), {"a": attempt_id}).all()
    answers = {}
    for position, response in rows:
        value = None if response is None else json.loads(response)
        answers[position] = str(value).lower() if isinstance(value, bool) else value
    return answers


def wait_until(predicate, timeout: float, message: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(message)
