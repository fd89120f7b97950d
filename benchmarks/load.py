"""The load generator of ``benchmarks/run.py``, run as a separate process: ``python benchmarks/load.py MODE SPEC.json``.

It speaks HTTP/1.1 itself over asyncio streams (no third-party client), to 127.0.0.1 only, and prints
exactly one JSON object on its last line of standard output; progress goes to standard error.

Modes (the spec file is a JSON object; keys below):

``throughput``  closed loop: ``connections`` keep-alive connections each send the next request as soon
                as the previous answer is read, for ``warmup`` then ``duration`` seconds. ``sessions``
                lists logins (``username``/``password``, or none for anonymous pages) and ``paths`` the
                pages each connection cycles through (``paths`` may also be given per session, each a
                path or a ``[label, path]`` pair; latencies are also reported per label). Reports
                requests per second, p50/p95/p99 latency in ms, errors and the client's CPU time;
                with ``server_pid`` (gunicorn's master), also the CPU the server's processes and
                PostgreSQL's used per request in the measured window, read from /proc.

``quiz``        ``takers`` cadres take a quiz at once, each with its own connection per request (as
                behind a reverse proxy), ``think`` seconds (±50 %) before each of their actions: log
                in, open the module page, start the attempt (the POST and the attempt page it
                redirects to: one action), answer each question (its autosave through
                ``/quizzes/attempts/<id>/answers/<position>`` with the X-CSRFToken header), open the
                next page of the attempt, open the confirmation, submit (and see the result it
                redirects to): 13 actions, 16 requests, 12 think times. Starts are spread over
                ``ramp`` seconds (a ramp-up, as Moodle's JMeter plans have: 800 s for their 10,000
                users); at most ``max_sockets``
                requests are in flight (waiting for a socket counts in the latency); everything stops at
                ``time_limit``. Every autosave answered 200 ``{"saved": true}`` is written to
                ``saved_out`` (JSON lines: attempt id, position, the fields sent) for run.py to check
                against the database. Also reports ``concurrent_max`` (most takers between their
                log-in and their result at one moment), ``all_at_once_s`` (how long every taker was),
                and, with ``server_pid``, the server's and PostgreSQL's CPU per request.

``weight``      logs in, fetches each of ``paths`` and every same-origin resource it references
                (stylesheets, scripts, images, icons, and ``url(...)`` inside stylesheets), and reports
                the bytes of each page: what a phone downloads on its first visit.

Every loop is bounded in count and in time.
"""
from __future__ import annotations

import asyncio
import html
import json
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit

HOST = "127.0.0.1"
READ_TIMEOUT = 60.0  # seconds for one response: a request that takes longer counts as an error


def log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


def process_cpu(pid: int | str) -> float:
    """User + system CPU seconds of one process so far (0 if it is gone)."""
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu(pid: int) -> float:
    """CPU seconds of a process and all its descendants (gunicorn's master and its workers)."""
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += process_cpu(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo.extend(int(child) for child in children.read().split())
        except OSError:
            continue
    return total


def command_cpu(command: str) -> float:
    """CPU seconds of every process whose command name is ``command`` (PostgreSQL's server processes)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() != command:
                        continue
            except OSError:
                continue
            total += process_cpu(entry)
    return total


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


# -- a minimal HTTP/1.1 client ----------------------------------------------------------------------

@dataclass
class Response:
    status: int
    headers: dict[str, str]
    cookies: list[str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str | None:
        return self.headers.get("location")


class ConnectionLost(Exception):
    """The server closed a kept-alive connection before answering (safe to retry once on a new one)."""


class Connection:
    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    @property
    def open(self) -> bool:
        return self.writer is not None and not self.writer.is_closing() and not self.reader.at_eof()

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port, limit=1 << 20)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, raw: bytes, method: str) -> Response:
        assert self.writer is not None and self.reader is not None
        self.writer.write(raw)
        await self.writer.drain()
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if not exc.partial:
                raise ConnectionLost() from exc
            raise
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for line in lines[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookies.append(value)
            headers[name] = value
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            body = b""
        elif "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            for _ in range(1_000_000):
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            body = b"".join(parts)
        else:
            body = await self.reader.read(-1)
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Response(status, headers, cookies, body)


class Browser:
    """One user: a cookie jar and either one kept-alive connection or a fresh connection per request."""

    def __init__(self, port: int, keep_alive: bool = True, sockets: asyncio.Semaphore | None = None):
        self.port = port
        self.keep_alive = keep_alive
        self.sockets = sockets
        self.cookies: dict[str, str] = {}
        self.connection = Connection(port)

    def _store_cookies(self, values: list[str]) -> None:
        for value in values:
            pair = value.split(";", 1)[0]
            name, _, content = pair.partition("=")
            expired = re.search(r"(?i)max-age=0\b|expires=thu, 01 jan 1970", value)
            if expired:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = content.strip()

    def _raw(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}", "User-Agent: lms-benchmark",
                 "Accept-Language: vi", "Connection: " + ("keep-alive" if self.keep_alive else "close")]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body

    async def request(self, method: str, path: str, form: dict | list | None = None,
                      headers: dict[str, str] | None = None) -> Response:
        headers = dict(headers or {})
        body = b""
        if form is not None:
            body = urlencode(form, doseq=True).encode("utf-8")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        raw = self._raw(method, path, body, headers)
        if self.sockets is not None:
            async with self.sockets:
                response = await self._send(raw, method)
        else:
            response = await self._send(raw, method)
        self._store_cookies(response.cookies)
        return response

    async def _send(self, raw: bytes, method: str) -> Response:
        for attempt in range(2):
            reused = self.connection.open
            if not reused:
                await self.connection.connect()
            try:
                response = await asyncio.wait_for(self.connection.request(raw, method), READ_TIMEOUT)
            except ConnectionLost:
                self.connection.close()
                if reused and attempt == 0:
                    continue  # the server had closed an idle kept-alive connection
                raise
            except BaseException:
                self.connection.close()
                raise
            if not self.keep_alive:
                self.connection.close()
            return response
        raise ConnectionLost()

    async def get(self, path: str) -> Response:
        return await self.request("GET", path)

    async def post(self, path: str, form: dict | list | None = None, headers: dict[str, str] | None = None) -> Response:
        return await self.request("POST", path, form if form is not None else {}, headers)

    def close(self) -> None:
        self.connection.close()


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_of(page: str) -> str:
    match = CSRF_INPUT.search(page)
    if match is None:
        raise RuntimeError("no csrf_token in the page")
    return html.unescape(match.group(1))


def local_path(location: str) -> str:
    """The path (and query) of a redirect target on this server."""
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def login(browser: Browser, username: str, password: str) -> None:
    page = await browser.get("/login")
    response = await browser.post("/login", {"csrf_token": csrf_of(page.text), "username": username, "password": password})
    if response.status != 302 or "/login" in (response.location or ""):
        raise RuntimeError(f"login of {username} failed: HTTP {response.status}")


# -- throughput: closed loop ----------------------------------------------------------------------

async def throughput(spec: dict) -> dict:
    port = spec["port"]
    connections = int(spec["connections"])
    warmup, duration = float(spec.get("warmup", 3)), float(spec["duration"])
    default_paths = spec.get("paths") or ["/"]
    sessions = spec.get("sessions") or [{}]

    logged_in: list[tuple[dict[str, str], list[str]]] = []  # (cookies, paths) of each session
    started = time.perf_counter()
    for session in sessions[:10_000]:
        browser = Browser(port)
        if session.get("username"):
            await login(browser, session["username"], session["password"])
        logged_in.append((browser.cookies, session.get("paths") or default_paths))
        browser.close()
    if len(sessions) > 1:
        log(f"{len(logged_in)} sessions logged in ({time.perf_counter() - started:.1f} s)")

    latencies: list[float] = []
    by_path: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    t_start = time.perf_counter()
    t_measure = t_start + warmup
    t_end = t_measure + duration
    cpu_start = os.times()

    async def worker(index: int) -> None:
        """One connection: goes through one session's pages, then the next session's (connections
        start on different sessions), until the time is up."""
        browser = Browser(port)
        session = index % len(logged_in)
        for _ in range(50_000_000):
            browser.cookies, paths = logged_in[session]
            session = (session + connections) % len(logged_in) if len(logged_in) > connections else session
            for item in paths:
                label, path = (item[0], item[1]) if isinstance(item, list) else (item, item)
                if time.perf_counter() >= t_end:
                    browser.close()
                    return
                sent = time.perf_counter()
                try:
                    response = await browser.get(path)
                    ok, key = response.status == 200, str(response.status)
                except Exception as exc:  # noqa: BLE001 (any failure is an error of the run)
                    ok, key = False, type(exc).__name__
                done = time.perf_counter()
                if sent >= t_measure and done <= t_end:
                    if ok:
                        latencies.append((done - sent) * 1000)
                        by_path.setdefault(label, []).append((done - sent) * 1000)
                    else:
                        errors[key] = errors.get(key, 0) + 1
        browser.close()

    cpu_window: dict[str, float] = {}

    async def measure_cpu() -> None:
        """Server and PostgreSQL CPU over the measured window (only with ``server_pid``: same machine)."""
        pid = spec.get("server_pid")
        if not pid:
            return
        await asyncio.sleep(max(0.0, t_measure - time.perf_counter()))
        server, database = server_cpu(pid), command_cpu("postgres")
        await asyncio.sleep(max(0.0, t_end - time.perf_counter()))
        cpu_window.update(server=server_cpu(pid) - server, postgres=command_cpu("postgres") - database)

    await asyncio.gather(measure_cpu(), *(worker(i) for i in range(connections)))
    cpu = os.times()
    client_cpu = (cpu.user - cpu_start.user) + (cpu.system - cpu_start.system)
    pages = {}
    for path, values in sorted(by_path.items()):
        pages[path] = {"count": len(values), "p50_ms": round(percentile(values, 0.5), 2),
                       "p99_ms": round(percentile(values, 0.99), 2)}
    return {
        "mode": "throughput", "connections": connections, "duration_s": duration, "requests": len(latencies),
        "rps": round(len(latencies) / duration, 1),
        "p50_ms": _round(percentile(latencies, 0.5)), "p95_ms": _round(percentile(latencies, 0.95)),
        "p99_ms": _round(percentile(latencies, 0.99)), "max_ms": _round(max(latencies) if latencies else None),
        "errors": errors, "client_cpu_share": round(client_cpu / (time.perf_counter() - t_start), 2), "pages": pages,
        "server_cpu_ms_per_request": _per_request(cpu_window.get("server"), len(latencies)),
        "postgres_cpu_ms_per_request": _per_request(cpu_window.get("postgres"), len(latencies)),
    }


def _per_request(seconds: float | None, requests: int) -> float | None:
    return None if seconds is None or not requests else round(seconds * 1000 / requests, 2)


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


# -- quiz takers ----------------------------------------------------------------------------------

SECTION = re.compile(r'<section class="card question"[^>]*?data-save-url="([^"]+)" data-prefix="([^"]+)"(.*?)</section>', re.S)
TAG = re.compile(r"<(input|select|textarea)\b([^>]*)>(.*?)(?=<(?:input|select|textarea)\b|</fieldset>|</div>|$)", re.S)
ATTR = re.compile(r'([\w-]+)="([^"]*)"')
OPTION = re.compile(r'<option value="([^"]*)"')
QUIZ_START = re.compile(r'action="(/quizzes/\d+/start)"')
SAVE_URL = re.compile(r"/quizzes/attempts/(\d+)/answers/(\d+)")


def answer_fields(section: str, prefix: str, rng: random.Random) -> list[tuple[str, str]]:
    """Form fields answering one question, as a learner's browser would send them (a random choice)."""
    radios: dict[str, list[str]] = {}
    fields: list[tuple[str, str]] = []
    selects = 0
    for kind, attrs_text, rest in TAG.findall(section):
        attrs = {k: html.unescape(v) for k, v in ATTR.findall(attrs_text)}
        name = attrs.get("name", "")
        if not name.startswith(prefix) or "disabled" in attrs_text.split():
            continue
        if kind == "input" and attrs.get("type") in ("radio", "checkbox"):
            radios.setdefault(name, []).append(attrs.get("value", "on"))
        elif kind == "input":
            fields.append((name, "1" if "number" in name else "Trả lời"))
        elif kind == "textarea":
            fields.append((name, "Bài làm của học viên trong buổi kiểm tra tải."))
        elif kind == "select":
            options = [html.unescape(v) for v in OPTION.findall(rest) if v]
            if options:
                fields.append((name, options[selects % len(options)]))
                selects += 1
    for name, values in radios.items():
        fields.append((name, rng.choice(values)))
    return fields


@dataclass
class QuizStats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    finished: int = 0
    failed: int = 0
    saved: int = 0

    recent: list[float] = field(default_factory=list)  # quiz requests since the last progress line

    def record(self, kind: str, ms: float) -> None:
        self.latencies.setdefault(kind, []).append(ms)
        if kind != "login":
            self.recent.append(ms)

    def error(self, key: str) -> None:
        self.errors[key] = self.errors.get(key, 0) + 1


async def quiz(spec: dict) -> dict:
    port = spec["port"]
    takers = spec["takers"]
    think, ramp, time_limit = float(spec["think"]), float(spec.get("ramp", spec["think"])), float(spec["time_limit"])
    course, module = spec["course"], spec["module"]
    sockets = asyncio.Semaphore(int(spec.get("max_sockets", 256)))
    stats = QuizStats()
    saved_out = open(spec["saved_out"], "w")
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    cpu_start = os.times()

    async def timed(kind: str, call):
        started = time.perf_counter()
        response = await call
        stats.record(kind, (time.perf_counter() - started) * 1000)
        return response

    async def pause(rng: random.Random) -> None:
        await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))

    async def expect(kind: str, call, *statuses: int) -> Response:
        response = await timed(kind, call)
        if response.status not in statuses:
            stats.error(f"{kind}:{response.status}")
            raise RuntimeError(f"{kind}: HTTP {response.status}")
        return response

    async def take(number: int, user: dict) -> None:
        rng = random.Random(number)
        await asyncio.sleep(rng.uniform(0, ramp))
        b = Browser(port, keep_alive=False, sockets=sockets)
        spans[number][0] = time.perf_counter() - t0
        try:
            started = time.perf_counter()
            await login(b, user["username"], user["password"])
            stats.record("login", (time.perf_counter() - started) * 1000)
            await pause(rng)
            page = await expect("module", b.get(f"/learn/courses/{course}/modules/{module}"), 200)
            start = QUIZ_START.search(page.text)
            if start is None:
                stats.error("module:no-quiz")
                raise RuntimeError("no quiz on the module page")
            await pause(rng)
            response = await expect("start", b.post(start.group(1), {"csrf_token": csrf_of(page.text)}), 302)
            attempt_url = local_path(response.location)
            page = await expect("attempt", b.get(attempt_url), 200)
            for page_number in range(1, 100):
                token = html.unescape(re.search(r'data-csrf="([^"]+)"', page.text).group(1))
                for save_url, prefix, section in SECTION.findall(page.text):
                    fields = answer_fields(section, prefix, rng)
                    await pause(rng)
                    response = await expect("autosave", b.post(save_url, fields, {"X-CSRFToken": token,
                                                                                   "X-Requested-With": "fetch"}), 200)
                    if json.loads(response.body).get("saved") is True:
                        attempt_id, position = map(int, SAVE_URL.search(save_url).groups())
                        saved_out.write(json.dumps([attempt_id, position, fields], ensure_ascii=False) + "\n")
                        stats.saved += 1
                    else:
                        stats.error("autosave:not-saved")
                if 'name="go" value="next"' not in page.text:
                    break
                await pause(rng)
                page = await expect("attempt", b.get(f"{attempt_url}?page={page_number + 1}"), 200)
            await pause(rng)
            response = await expect("finish", b.get(f"{attempt_url}/finish"), 200)
            await pause(rng)
            response = await expect("submit", b.post(f"{attempt_url}/submit", {"csrf_token": csrf_of(response.text)}), 302)
            await expect("result", b.get(local_path(response.location)), 200)
            stats.finished += 1
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 (the run goes on; the failure is counted)
            stats.failed += 1
            if not isinstance(exc, RuntimeError):
                stats.error(type(exc).__name__)
        finally:
            spans[number][1] = time.perf_counter() - t0
            b.close()

    async def progress() -> None:
        for _ in range(int(time_limit) + 10):
            await asyncio.sleep(10)
            done = stats.finished + stats.failed
            now = time.perf_counter() - t0
            active = sum(1 for start, end in spans if start is not None and end is None)
            window, stats.recent = stats.recent, []
            log(f"quiz: {now:5.0f} s, {active} taking, {done}/{len(takers)} done, {stats.saved} answers saved, "
                f"{sum(stats.errors.values())} errors; last 10 s: {len(window) / 10:.0f} requests/s, "
                f"p95 {_round(percentile(window, 0.95))} ms")

    spans: list[list[float | None]] = [[None, None] for _ in takers]  # when each taker began and ended (s after t0)
    pid = spec.get("server_pid")
    cpu_server, cpu_database = (server_cpu(pid), command_cpu("postgres")) if pid else (None, None)
    tasks = [asyncio.ensure_future(take(i, user)) for i, user in enumerate(takers)]
    reporter = asyncio.ensure_future(progress())
    _, pending = await asyncio.wait(tasks, timeout=max(0.0, deadline - time.perf_counter()))
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=30)
    reporter.cancel()
    saved_out.close()
    elapsed = time.perf_counter() - t0
    cpu = os.times()
    server_seconds = server_cpu(pid) - cpu_server if pid else None
    database_seconds = command_cpu("postgres") - cpu_database if pid else None
    # How many took the quiz at the same moment: a sweep over every taker's span (log-in to result).
    events = sorted([(s, 1) for s, e in spans if s is not None] + [(e, -1) for s, e in spans if e is not None],
                    key=lambda event: (event[0], event[1]))
    active = concurrent_max = 0
    for _, change in events:
        active += change
        concurrent_max = max(concurrent_max, active)
    starts = [s for s, _ in spans if s is not None]
    ends = [e for _, e in spans if e is not None]
    all_at_once = (min(ends) - max(starts)) if len(starts) == len(takers) and ends else None
    quiz_kinds = [k for k in stats.latencies if k != "login"]
    quiz_latencies = [v for k in quiz_kinds for v in stats.latencies[k]]
    requests = sum(len(v) for v in stats.latencies.values())
    return {
        "mode": "quiz", "takers": len(takers), "think_s": think, "ramp_s": ramp, "max_sockets": spec.get("max_sockets", 256),
        "finished": stats.finished, "failed": stats.failed, "unfinished": len(pending), "saved_answers": stats.saved,
        "elapsed_s": round(elapsed, 1), "requests": requests, "rps": round(requests / elapsed, 1),
        "quiz_p50_ms": _round(percentile(quiz_latencies, 0.5)), "quiz_p95_ms": _round(percentile(quiz_latencies, 0.95)),
        "quiz_p99_ms": _round(percentile(quiz_latencies, 0.99)),
        "kinds": {k: {"count": len(v), "p50_ms": _round(percentile(v, 0.5)), "p95_ms": _round(percentile(v, 0.95)),
                      "max_ms": _round(max(v))} for k, v in sorted(stats.latencies.items())},
        "errors": stats.errors,
        "client_cpu_share": round(((cpu.user - cpu_start.user) + (cpu.system - cpu_start.system)) / elapsed, 2),
        "concurrent_max": concurrent_max,
        "all_at_once_s": None if all_at_once is None else round(max(0.0, all_at_once), 1),
        "server_cpu_ms_per_request": _per_request(server_seconds, requests),
        "postgres_cpu_ms_per_request": _per_request(database_seconds, requests),
    }


# -- page weight ----------------------------------------------------------------------------------

RESOURCE = re.compile(r"<(?:link|script|img|source)\b[^>]*>", re.I)
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")


def references(page: str) -> list[str]:
    """Same-document resources a browser fetches on load: stylesheets, icons, scripts, images."""
    found = []
    for tag in RESOURCE.findall(page):
        attrs = {k.lower(): html.unescape(v) for k, v in ATTR.findall(tag)}
        if tag.lower().startswith("<link"):
            rel = attrs.get("rel", "").lower().split()
            if ("stylesheet" in rel or "icon" in rel) and attrs.get("href"):
                found.append(attrs["href"])
        elif attrs.get("src"):
            found.append(attrs["src"])
    return found


async def weight(spec: dict) -> dict:
    port = spec["port"]
    browser = Browser(port)
    await login(browser, spec["username"], spec["password"])
    origin = f"http://{HOST}:{port}"
    pages = {}
    for path in spec["paths"][:50]:
        response = await browser.get(path)
        if response.status != 200:
            pages[path] = {"status": response.status}
            continue
        total = len(response.body)
        resources: dict[str, int] = {}
        queue = [(urljoin(origin + path, ref), "html") for ref in references(response.text)]
        for _ in range(200):
            if not queue:
                break
            url, _ = queue.pop(0)
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob") or (parts.netloc and parts.netloc != f"{HOST}:{port}"):
                continue
            key = local_path(url)
            if key in resources:
                continue
            sub = await browser.get(key)
            resources[key] = len(sub.body) if sub.status == 200 else 0
            if key.split("?")[0].endswith(".css") or "text/css" in sub.headers.get("content-type", ""):
                queue += [(urljoin(url, ref), "css") for ref in CSS_URL.findall(sub.text)]
        pages[path] = {"status": 200, "html_bytes": total, "resources": resources,
                       "total_bytes": total + sum(resources.values()),
                       "gzip": "gzip" in response.headers.get("content-encoding", "")}
    browser.close()
    heaviest = max((p.get("total_bytes", 0) for p in pages.values()), default=0)
    return {"mode": "weight", "page_weight_bytes_max": heaviest, "pages": pages}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] not in ("throughput", "quiz", "weight"):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as fh:
        spec = json.load(fh)
    mode = {"throughput": throughput, "quiz": quiz, "weight": weight}[argv[0]]
    result = asyncio.run(mode(spec))
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
