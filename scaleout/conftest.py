"""Two app servers, one PostgreSQL, one Redis: the harness of the scale-out suite.

Two gunicorn instances, one worker process each (so each server is one process with its own memory), serve
the test database that pytest-django created. A browser-like client keeps its cookies and sends every
request to the other server (A, B, A, B ...): nothing sticks a session to a server. The task worker
(`manage.py run_worker`) runs as a third process for the export test. Every process is started in its own
process group and stopped in its fixture's teardown, also when a test fails; every wait is bounded.

The suite runs only on PostgreSQL (SQLite is one file on one machine) and needs Redis on 127.0.0.1:6379;
otherwise it is skipped with the reason.
"""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role
from cases.models import Case, CaseMember, Entry, Route, record_entry

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - the root conftest's test password
# A Redis database of our own, emptied before and after the suite: the servers' cache and rate-limit counters.
REDIS_DB = 13
REDIS_URL = f"redis://{HOST}:6379/{REDIS_DB}"
# Low limits, so that a handful of requests reach them.
FAILURE_LIMIT = 3
EXPORT_RATE = 2
STARTUP_SECONDS = 60
REQUEST_SECONDS = 60
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Forms that create something in a dossier carry an idempotency key (core/idempotency.py); a browser sends it back.
KEY_INPUT = re.compile(r'name="idempotency_key" value="([^"]+)"')


# --- only on PostgreSQL, only with Redis -----------------------------------------------------------------------

def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping())
    except (redis.RedisError, OSError):
        return False


def _flush_redis():
    import redis

    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5).flushdb()


@pytest.fixture(scope="module", autouse=True)
def _postgresql_and_redis():
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        pytest.skip("Scale-out suite skipped: it needs PostgreSQL (set DATABASE_URL=postgres://..., or run "
                    "`make scaleout`); two servers sharing one SQLite file would prove nothing.")
    if not _redis_answers():
        pytest.skip(f"Scale-out suite skipped: no Redis answers on {HOST}:6379 (start redis-server); the two "
                    "servers share their cache and rate limits through it.")


@pytest.fixture(autouse=True)
def _fast_password_hashing():
    """Replaces the root conftest's MD5 hashing: the app servers check passwords with the project's own hashers,
    which do not include MD5, so the accounts made here are hashed the way the servers expect."""


# --- the processes ---------------------------------------------------------------------------------------------

@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path
    port: int | None = None

    def log_tail(self, lines=60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@dataclass
class Servers:
    a: Process
    b: Process
    env: dict
    log_dir: Path
    others: list = field(default_factory=list)  # the task worker, when a test starts one

    @property
    def both(self) -> list[Process]:
        return [self.a, self.b]

    @property
    def processes(self) -> list[Process]:
        return [self.a, self.b, *self.others]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    """The test database pytest-django created (its name is in the connection's settings by now)."""
    db = connection.settings_dict
    user = urllib.parse.quote(db.get("USER") or "", safe="")
    password = urllib.parse.quote(str(db.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{db.get('HOST') or ''}{port}/{urllib.parse.quote(db['NAME'], safe='')}"


def _environment(var_dir: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "meldcode.settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": REDIS_URL,
        "DEBUG": "0",
        # Uploads and generated exports: one directory that every process sees, as shared storage would be.
        "MELDCODE_VAR_DIR": str(var_dir),
        "AXES_FAILURE_LIMIT": str(FAILURE_LIMIT),
        "DOCUMENTS_EXPORT_RATE": f"{EXPORT_RATE}/h",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "PYTHONUNBUFFERED": "1",
    }


def _spawn(name: str, command: list[str], env: dict, log_dir: Path, port=None) -> Process:
    log = log_dir / f"{name}.log"
    with open(log, "ab") as out:
        # A session (process group) of its own: stopping it reaches gunicorn's workers too, and nothing else.
        popen = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,  # noqa: S603
                                 stdin=subprocess.DEVNULL, start_new_session=True)
    return Process(name, popen, log, port)


def stop(process: Process):
    """SIGTERM to the process group, then SIGKILL if it has not ended within 15 s."""
    with suppress(ProcessLookupError):
        os.killpg(process.popen.pid, signal.SIGTERM)
    try:
        process.popen.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.popen.pid, signal.SIGKILL)
        process.popen.wait(timeout=5)


def _start_gunicorn(name: str, env: dict, log_dir: Path) -> Process:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "meldcode.wsgi:application", "--bind", f"{HOST}:{port}",
               "--workers", "1", "--threads", "1", "--worker-class", "sync", "--timeout", "60",
               "--graceful-timeout", "5", "--access-logfile", "-", "--log-level", "info",
               # Both instances would otherwise share one control socket in the home directory.
               "--no-control-socket"]
    return _spawn(f"server-{name}", command, env, log_dir, port)


def _wait_until_healthy(server: Process):
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.popen.poll() is not None:
            raise RuntimeError(f"{server.name} ended at start-up:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{server.port}/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{server.name} did not answer /healthz within {STARTUP_SECONDS} s:\n{server.log_tail()}")


@pytest.fixture(scope="module")
def servers(_postgresql_and_redis, django_db_setup, tmp_path_factory):
    """Two gunicorn instances on their own ports, sharing the test database and one Redis database."""
    var_dir = tmp_path_factory.mktemp("scaleout-var")
    log_dir = tmp_path_factory.mktemp("scaleout-logs")
    env = _environment(var_dir)
    _flush_redis()
    with ExitStack() as cleanup:
        cleanup.callback(_flush_redis)
        a = _start_gunicorn("A", env, log_dir)
        cleanup.callback(stop, a)
        b = _start_gunicorn("B", env, log_dir)
        cleanup.callback(stop, b)
        _wait_until_healthy(a)
        _wait_until_healthy(b)
        yield Servers(a, b, env, log_dir)


@pytest.fixture(autouse=True)
def _fresh_counters(_postgresql_and_redis):
    """Each test starts with no rate-limit counts (and nothing cached) in the shared Redis."""
    _flush_redis()


@pytest.fixture
def task_worker(servers):
    """The background worker as a third process, beside the two servers; stopped after the test."""
    command = [sys.executable, "manage.py", "run_worker", "--no-startup-delay", "--no-reload", "--interval", "0.5"]
    worker = _spawn("worker", command, servers.env, servers.log_dir)
    servers.others.append(worker)
    try:
        time.sleep(1)
        if worker.popen.poll() is not None:
            raise RuntimeError(f"the task worker ended at start-up:\n{worker.log_tail()}")
        yield worker
    finally:
        stop(worker)
        servers.others.remove(worker)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, the last lines of every server's and worker's log go into the report."""
    outcome = yield
    report = outcome.get_result()
    servers = getattr(item, "funcargs", {}).get("servers")
    if report.failed and isinstance(servers, Servers):
        for process in servers.processes:
            report.sections.append((f"log of {process.name}", process.log_tail()))


# --- the client: a browser whose requests go to A, B, A, B ... -------------------------------------------------

class _EveryAnswer(urllib.request.HTTPErrorProcessor):
    """Every answer comes back as it is: no exception for 4xx/5xx, and redirects are not followed (a test
    follows them itself, to the other server)."""

    def http_response(self, request, response):
        return response

    https_response = http_response


@dataclass
class Answer:
    status: int
    headers: object
    body: bytes
    server: str
    path: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        target = urllib.parse.urlsplit(self.headers.get("Location", ""))
        return urllib.parse.urlunsplit(("", "", target.path, target.query, ""))

    def csrf_token(self) -> str:
        found = CSRF_INPUT.search(self.text)
        assert found, f"no CSRF token on {self.path} (status {self.status}, server {self.server})"
        return found.group(1)

    def __repr__(self):
        return f"<{self.status} from server {self.server} for {self.path}>"


class Browser:
    """One browser with its own cookies. Its requests go to the servers in turn: the first to A, the next to B,
    and so on. Like behind a load balancer, every request carries the same Host (and Origin on a POST), so
    cookies and CSRF checks see one site."""

    def __init__(self, servers: Servers, first="A"):
        self.servers = servers.both
        self.turn = 0 if first == "A" else 1
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _EveryAnswer())
        self.served: list[str] = []  # which server answered each request, in order

    @property
    def next_server(self) -> str:
        return self.servers[self.turn % len(self.servers)].name[-1]

    def request(self, method: str, path: str, fields: dict | None = None) -> Answer:
        server = self.servers[self.turn % len(self.servers)]
        self.turn += 1
        headers = {"Host": HOST, "Accept-Language": "nl"}
        data = None
        if method == "POST":
            data = urllib.parse.urlencode(fields or {}, doseq=True).encode()
            headers.update({"Origin": f"http://{HOST}", "Content-Type": "application/x-www-form-urlencoded"})
        request = urllib.request.Request(f"http://{HOST}:{server.port}{path}", data=data, method=method,
                                         headers=headers)
        with self.opener.open(request, timeout=REQUEST_SECONDS) as response:
            answer = Answer(response.status, response.headers, response.read(), server.name[-1], path)
        self.served.append(answer.server)
        return answer

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def submit(self, page: Answer, path: str, fields: dict) -> Answer:
        """Post a form of `page` (its CSRF token) to `path`, the way the browser would."""
        key = KEY_INPUT.search(page.text)
        extra = {"idempotency_key": key.group(1)} if key else {}
        return self.request("POST", path, {"csrfmiddlewaretoken": page.csrf_token(), **extra, **fields})

    def follow(self, answer: Answer) -> Answer:
        assert answer.status in (301, 302, 303), f"expected a redirect, got {answer}:\n{answer.text[:2000]}"
        return self.get(answer.location)


@pytest.fixture
def browser(servers):
    """browser(first="A") -> a new browser, with no cookies, whose first request goes to server `first`."""
    return lambda first="A": Browser(servers, first)


def authenticator_code(user) -> str:
    """The code the user's authenticator app shows now, or the next one if the current code was used already
    (a code counts once, on either server: the last step used is in the database)."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    step = max(totp.t() + device.drift, device.last_t + 1)
    totp.time = device.t0 + step * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in(browser: Browser, user, next_path="/") -> Answer:
    """E-mail and password, then the authenticator code, through the real forms; returns the last redirect."""
    page = browser.get(f"/account/inloggen/?{urllib.parse.urlencode({'next': next_path})}")
    assert page.status == 200, page
    answer = browser.submit(page, "/account/inloggen/", {"email": user.email, "password": PASSWORD,
                                                         "next": next_path})
    assert answer.status == 302 and answer.location.startswith("/account/code/"), answer
    code_page = browser.follow(answer)
    assert code_page.status == 200, code_page
    done = browser.submit(code_page, "/account/code/", {"token": authenticator_code(user), "next": next_path})
    assert done.status == 302 and done.location == next_path, (done, done.text[:2000])
    return done


def reauthenticate(browser: Browser, user, next_path="/") -> Answer:
    """Password and a new code again (re-authentication before exports and break-glass)."""
    page = browser.get(f"/account/bevestigen/?{urllib.parse.urlencode({'next': next_path})}")
    assert page.status == 200, page
    answer = browser.submit(page, "/account/bevestigen/", {"password": PASSWORD, "token": authenticator_code(user),
                                                           "next": next_path})
    assert answer.status == 302 and answer.location == next_path, (answer, answer.text[:2000])
    return answer


# --- the data, made with the ORM before any request ------------------------------------------------------------

@pytest.fixture
def adopted(school, people):
    """The school has adopted the national model meldcode (2019), as the directie would."""
    from protocol.models import MeldcodeVersion, adopt, ensure_shipped_versions

    ensure_shipped_versions()
    version = MeldcodeVersion.objects.get(key="landelijk-2019")
    adopt(school, version, people[Role.DIRECTIE])
    return version


OBSERVATION = "Blauwe plekken op beide armen bij het omkleden."


@pytest.fixture
def make_case(adopted, pupil, people):
    """make_case(coordinator=, team=) -> a regular case about the pupil with one saved signal."""

    def make(coordinator=None, team=()):
        coordinator = coordinator or people[Role.IB]
        case = Case.objects.create(school=pupil.school, pupil=pupil, meldcode_version=adopted, route=Route.REGULAR,
                                   opened_by=coordinator, coordinator=coordinator)
        for user in {coordinator, *team}:
            CaseMember.objects.create(case=case, user=user)
        entry = Entry.objects.create(case=case, kind="signal", author=coordinator,
                                     content={"place": "Gymzaal", "situation": "Omkleden", "observation": OBSERVATION},
                                     facts={"is_hypothesis": False, "has_source": False})
        record_entry(entry)
        return case

    return make


@pytest.fixture
def case(make_case, people):
    """Coordinated by the intern begeleider, with the leerkracht on the team."""
    return make_case(team=[people[Role.LEERKRACHT]])
