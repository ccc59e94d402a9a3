"""HTTP load: the app served by gunicorn on 127.0.0.1, driven from this (second) process with threads.

Signing in: a session for the benchmark user is created in the database with the second factor marked
as passed (otp_device_id), and its cookie is sent. CSRF for POST: each client fetches the form first.

As deployed for scale (docs/scaling.md): AUDIT_CHAIN_MODE=worker with `manage.py audit_sequence` running beside
the servers (the requests store their audit events; the sequencer chains them), and, when BENCH_REDIS_URL is set,
Redis for the cache and the sessions. With `--servers 2` two gunicorn instances on their own ports share the
database (and Redis), and every client sends each next request to the other server, without sticky sessions.
"""

import http.client
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.cli import emit

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY_INPUT = re.compile(r'name="idempotency_key" value="([0-9a-f]+)"')


def bench_session(email: str) -> str:
    """A signed-in, 2FA-verified session for `email`; returns the session key for the cookie."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User

    user = User.objects.get(email=email)
    session = import_module(settings.SESSION_ENGINE).SessionStore()  # through Redis too when REDIS_URL is set
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    session.create()
    return session.session_key


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def server_env() -> dict:
    env = {**os.environ, "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "meldcode.settings",
           "AUDIT_CHAIN_MODE": os.environ.get("BENCH_AUDIT_CHAIN_MODE", "worker")}
    if os.environ.get("BENCH_REDIS_URL"):
        env["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    return env


def start_sequencer() -> subprocess.Popen:
    """The audit chain's sequencer beside the servers, as in the deployment (docs/deployment.md)."""
    return subprocess.Popen([sys.executable, "manage.py", "audit_sequence", "--interval", "1"], cwd=ROOT,
                            env=server_env(), start_new_session=True, stdout=subprocess.DEVNULL)


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    env = server_env()
    command = [sys.executable, "-m", "gunicorn", "meldcode.wsgi:application", "--bind", f"{HOST}:{port}",
               "--workers", str(workers), "--threads", "1", "--worker-class", "sync", "--log-level", "warning",
               "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    time.sleep(1)
    if server.poll() is not None:
        raise SystemExit(f"gunicorn could not start on {HOST}:{port}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    stop(server)
    raise SystemExit("gunicorn did not answer on /healthz within 30 s")


def stop(server: subprocess.Popen):
    try:
        os.killpg(server.pid, signal.SIGTERM)  # only the group we started
        server.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)


class Client:
    """Keep-alive connections with the session cookie, like one browser tab; with several servers (ports) each
    request goes to the next one in turn (no sticky sessions)."""

    def __init__(self, port, session_key):
        self.ports = list(port) if isinstance(port, (list, tuple)) else [port]
        self.turn = 0
        self.cookies = {"sessionid": session_key}
        self.connections = {p: http.client.HTTPConnection(HOST, p, timeout=30) for p in self.ports}

    @property
    def port(self):
        return self.ports[self.turn % len(self.ports)]

    def request(self, method, path, body=None, headers=None):
        port = self.port
        self.turn += 1
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        try:
            self.connections[port].request(method, path, body=body, headers=headers)
            response = self.connections[port].getresponse()
        except (http.client.HTTPException, OSError):
            self.connections[port].close()
            self.connections[port] = http.client.HTTPConnection(HOST, port, timeout=30)
            self.connections[port].request(method, path, body=body, headers=headers)
            response = self.connections[port].getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data


def save_signal(client: Client, references: list[str]) -> int:
    """Fetch the signal form (for the CSRF token and the form's key), then post a signal the way the browser does.
    Each client saves into its own case: people at a peak write in different dossiers, and saves into one case
    wait for each other on purpose (the case row is locked to number its entries without gaps)."""
    from urllib.parse import urlencode

    reference = references[getattr(client, "index", 0) % len(references)]
    path = f"/dossiers/d/{reference}/nieuw/signal/"
    status, page = client.request("GET", path)
    found, key = CSRF_INPUT.search(page.decode()), KEY_INPUT.search(page.decode())
    if status != 200 or not found or not key:
        return -status
    token = found.group(1)
    occurred = time.strftime("%Y-%m-%dT%H:%M", time.localtime(time.time() - 3600))
    body = urlencode({"csrfmiddlewaretoken": token, "idempotency_key": key.group(1), "occurred_at": occurred,
                      "place": "Klaslokaal", "situation": "Tijdens de les.",
                      "observation": "Benchmark: een feitelijke waarneming.",
                      "is_hypothesis": "0", "direction": "unclear", "action": "save"})
    status, _ = client.request("POST", path, body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://{HOST}:{client.port}{path}",
        "Origin": f"http://{HOST}:{client.port}"})
    return status


def post_search(client: Client, path: str, query: str) -> int:
    """Searches post their query (names stay out of URLs); the CSRF cookie comes with the first page."""
    from urllib.parse import urlencode

    token = client.cookies.get("csrftoken")
    if token is None:
        client.request("GET", path)
        token = client.cookies.get("csrftoken")
    status, _ = client.request("POST", path, body=urlencode({"csrfmiddlewaretoken": token or "", "q": query}),
                               headers={"Content-Type": "application/x-www-form-urlencoded",
                                        "Referer": f"http://{HOST}:{client.port}{path}",
                                        "Origin": f"http://{HOST}:{client.port}"})
    return status if status == 200 else -status


def run_load(port, session_key, name, action, clients, max_requests, max_seconds):
    """`clients` threads share a budget of `max_requests` (and `max_seconds`); latency per request."""
    latencies, errors = [], []
    lock = threading.Lock()
    budget = iter(range(max_requests))
    stop_at = time.monotonic() + max_seconds

    def worker(index):
        client = Client(port, session_key)
        client.index = index  # which of the write cases this client saves into
        action(client)  # warm the connection and the worker; not measured
        while time.monotonic() < stop_at:
            with lock:
                if next(budget, None) is None:
                    return
            started = time.perf_counter()
            status = action(client)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if status not in (200, 302):
                    errors.append(status)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    if not latencies:
        return {"page": name, "clients": clients, "requests": 0, "errors": len(errors), "requests_per_s": 0}
    result = {"page": name, "clients": clients, "requests": len(latencies), "errors": len(errors),
              "requests_per_s": round(len(latencies) / wall, 1),
              "median_ms": round(statistics.median(latencies) * 1000, 1),
              "p95_ms": round(latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000, 1)}
    if errors:
        result["statuses"] = sorted(set(errors))
    return result


def _write_cases(info, count: int) -> list[str]:
    """The open cases at the benchmark school that saving writes into, one per client: the data set's write case
    first, then others (never the 300-entry case, which must stay at 300)."""
    from cases.models import Case

    others = (Case.objects.filter(school__slug=info["school"], status=Case.Status.OPEN)
              .exclude(reference__in=[info["big_case"], info["write_case"]]).order_by("pk")
              .values_list("reference", flat=True)[:count - 1])
    return [info["write_case"], *others]


def run_http(concurrency: list[int], max_requests: int, max_seconds: float, workers: int, servers: int = 1):
    from bench.generate import load_info

    info = load_info()
    session_key = bench_session(info["user"])
    if servers == 1:
        port = int(os.environ.get("BENCH_PORT") or free_port())
        ports = [port]
    else:
        ports = [free_port() for _ in range(servers)]
        port = ports
    # The same total of worker processes, split over the servers: on one machine the honest comparison.
    started_servers = [start_gunicorn(p, max(1, workers // servers)) for p in ports]
    sequencer = start_sequencer() if server_env()["AUDIT_CHAIN_MODE"] == "worker" else None

    def get(path, expect=200):
        def action(client):
            status, _ = client.request("GET", path)
            return status if status == expect else -status
        return action

    write_cases = _write_cases(info, max(concurrency))
    pages = [
        ("healthz", get("/healthz")),
        # The floor of every signed-in page: session, user, second factor, memberships, navigation; no dossier.
        ("signed_in_no_dossier", get("/nood/")),
        ("overview", get(f"/dossiers/{info['school']}/")),
        ("case_300_entries", get(f"/dossiers/d/{info['big_case']}/")),
        ("pupil_search", lambda client: post_search(client, f"/scholen/{info['school']}/leerlingen/", "de Vries")),
        ("case_search", lambda client: post_search(client, f"/dossiers/{info['school']}/zoeken/", "Jansen")),
        ("save_signal", lambda client: save_signal(client, write_cases)),
    ]
    try:
        for clients in concurrency:
            results = {}
            for name, action in pages:
                # Saving is fewer requests: it writes to the journal and the audit trail.
                budget = max_requests // 4 if name == "save_signal" else max_requests
                results[name] = run_load(port, session_key, name, action, clients, budget, max_seconds)
            trivial = results["healthz"]["requests_per_s"]
            for result in results.values():
                result["throughput_vs_healthz"] = round(result["requests_per_s"] / trivial, 2) if trivial else None
                emit("http", scale=info["scale"], workers=workers, servers=servers,
                     audit_chain_mode=server_env()["AUDIT_CHAIN_MODE"],
                     redis=bool(os.environ.get("BENCH_REDIS_URL")), **result)
    finally:
        for server in started_servers:
            stop(server)
        if sequencer is not None:
            stop(sequencer)
