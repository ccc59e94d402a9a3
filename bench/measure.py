"""Measurements that need no HTTP server: query counts, PDF export, sociale-kaart import, audit verification,
and cProfile of the slow pages."""

import cProfile
import io
import os
import pstats
import re
import subprocess
import sys
import time
from pathlib import Path

from bench.cli import emit

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT.parent / "shared" / "seeds"


def _client(email):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User

    user = User.objects.get(email=email)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    session.save()
    return client, user


class _Rollback(Exception):
    pass


def _case_with_entries(template_case, count, author):
    """A copy of a case with `count` entries, inside the caller's transaction (rolled back afterwards)."""
    import random

    from bench.generate import _kinds, entry_payload
    from cases.models import Case, CaseMember, Entry

    rng = random.Random(count)
    case = Case.objects.create(school=template_case.school, pupil=template_case.pupil,
                               meldcode_version=template_case.meldcode_version, opened_by=author, coordinator=author)
    CaseMember.objects.create(case=case, user=author)
    entries = []
    for kind in _kinds(rng, count):
        content, facts = entry_payload(rng, kind)
        entries.append(Entry(case=case, kind=kind, status=Entry.Status.SAVED, author=author, content=content,
                             facts=facts))
    Entry.objects.bulk_create(entries)
    return case


def _backend_cpu_seconds(connection) -> float | None:
    """CPU time used so far by the PostgreSQL backend serving `connection` (same machine; from /proc)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _statements(captured):
    """What the request sent, without the SAVEPOINT markers of the benchmark's own rollback transaction."""
    return [q for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]


def queries():
    """SQL queries per page: the case page at 10 and 300 entries, and the overview; with the slowest statements."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from bench.generate import load_info
    from cases.models import Case

    info = load_info()
    client, user = _client(info["user"])
    template = Case.objects.get(reference=info["big_case"])

    def measure(path, **labels):
        client.get(path)  # warm the process (meldcode definition, rendered entries, engine facts)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            seconds = time.perf_counter() - started
        statements = _statements(captured)
        # CPU per request, of this (app) process and of its PostgreSQL backend, over 20 more requests.
        app_cpu, db_cpu = time.process_time(), _backend_cpu_seconds(connection)
        for _ in range(20):
            client.get(path)
        app_ms = (time.process_time() - app_cpu) / 20 * 1000
        db_after = _backend_cpu_seconds(connection)
        labels["cpu_ms_app"] = round(app_ms, 1)
        if db_cpu is not None and db_after is not None:
            labels["cpu_ms_database"] = round((db_after - db_cpu) / 20 * 1000, 1)
        slowest = sorted(statements, key=lambda q: float(q["time"]), reverse=True)[:3]
        emit("queries", **labels, status=response.status_code, queries=len(statements),
             in_process_ms=round(seconds * 1000, 1), sql_ms=round(sum(float(q["time"]) for q in statements) * 1000, 1),
             slowest=[{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:90]} for q in slowest])

    try:
        with transaction.atomic():
            for count in (10, 300):
                case = _case_with_entries(template, count, user)
                case.refresh_step()
                measure(f"/dossiers/d/{case.reference}/", page="case", entries=count)
            for status in ("open", "closed"):
                cases = Case.objects.filter(school__slug=info["school"], status=status).count()
                measure(f"/dossiers/{info['school']}/?status={status}", page="overview", status_filter=status,
                        cases=cases)
            raise _Rollback
    except _Rollback:
        pass


def pdf():
    """Time to render the complete dossier PDF of the 300-entry case (documents app)."""
    from django.utils import timezone

    from bench.generate import load_info
    from cases.models import Case

    try:
        from documents import exports
        from documents.models import ExportKind
        from documents.pdf import render_pdf
    except ImportError as error:
        emit("pdf", skipped=f"documents app not ready: {error}")
        return
    info = load_info()
    case = Case.objects.get(reference=info["big_case"])
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        data = render_pdf(exports.TEMPLATES[ExportKind.DOSSIER_PDF], exports.dossier_context(case),
                          exporter_name="Benchmark", exported_at=timezone.now())
        timings.append(time.perf_counter() - started)
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(data)).pages)
    emit("pdf", entries=case.entries.count(), pages=pages, bytes=len(data),
         seconds_best=round(min(timings), 2), seconds_median=round(sorted(timings)[1], 2))


def socialmap():
    """Reading and parsing the seed meldcodes, and importing what was found (rolled back)."""
    from django.db import transaction

    from bench.generate import load_info
    from schools.models import School
    from socialmap.importing import apply_import
    from socialmap.parser import parse_organisations
    from socialmap.readers import read_document

    info = load_info()
    school = School.objects.get(slug=info["school"])
    seeds = sorted(SEED_DIR.glob("*.txt")) if SEED_DIR.exists() else []
    if not seeds:
        emit("socialmap", skipped=f"no seed documents in {SEED_DIR.name}")
        return
    for path in seeds:
        data = path.read_bytes()
        started = time.perf_counter()
        for _ in range(5):
            organisations = parse_organisations(read_document(data, path.name))
        parse_seconds = (time.perf_counter() - started) / 5
        try:
            with transaction.atomic():
                started = time.perf_counter()
                result = apply_import(school, organisations)
                import_seconds = time.perf_counter() - started
                raise _Rollback
        except _Rollback:
            pass
        emit("socialmap", document=path.name, kilobytes=round(len(data) / 1024, 1), organisations=len(organisations),
             parse_ms=round(parse_seconds * 1000, 1), import_ms=round(import_seconds * 1000, 1),
             created=result.as_dict().get("created"))


def audit_verify(events: int, pending: int = 0):
    """audit_verify on `events` events in a fresh scratch database: with `pending`, that many of them wait for the
    sequencer as requests leave them (unchained, with their MAC), and the figure includes chaining them."""
    from bench.environment import database_url, ensure_database

    base, name = database_url().rsplit("/", 1)
    name = f"{name}_audit"
    url = f"{base}/{name}"
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
    ensure_database(url)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "meldcode.settings"}
    started = time.perf_counter()
    if pending:
        run = subprocess.run([sys.executable, "-m", "bench.audit_sequencer", str(events - pending), str(pending)],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
        if run.returncode:
            emit("audit_verify", error=(run.stdout + run.stderr)[-500:])
        else:
            print(run.stdout.strip().splitlines()[-1], flush=True)
        return
    run = subprocess.run([sys.executable, "-m", "audit.tests.bench_verify", str(events)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=3600)
    found = re.search(r"ok=(\w+) checked=(\d+) in ([\d.]+) s", run.stdout)
    if run.returncode or not found:
        emit("audit_verify", error=(run.stdout + run.stderr)[-500:])
        return
    ok, checked, seconds = found.group(1) == "True", int(found.group(2)), float(found.group(3))
    emit("audit_verify", events=checked, ok=ok, seconds=seconds, events_per_s=round(checked / seconds),
         total_seconds_with_build=round(time.perf_counter() - started, 1))


def profile():
    """cProfile of the case page (300 entries) and the overview, in process; the top functions by own time."""
    from bench.generate import load_info

    info = load_info()
    client, _user = _client(info["user"])
    for name, path in (("case_300_entries", f"/dossiers/d/{info['big_case']}/"),
                       ("overview", f"/dossiers/{info['school']}/")):
        client.get(path)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(5):
            client.get(path)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
        stats.print_stats(35)
        print(f"==== cProfile {name} (5 requests), by cumulative time\n{out.getvalue()}", file=sys.stderr)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        print(f"==== cProfile {name}, by own time\n{out.getvalue()}", file=sys.stderr)
        top = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:8]
        emit("profile", page=name, per_request_ms=round(stats.total_tt / 5 * 1000, 1),
             top_own_time=[{"function": f"{Path(f[0]).name}:{f[1]}:{f[2]}", "ms_per_request": round(v[2] / 5 * 1000, 1)}
                           for f, v in top])
