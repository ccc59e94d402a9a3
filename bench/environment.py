"""Where the benchmarks run: a PostgreSQL scratch database, never the development or production one."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/meldcode_bench"


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database if it does not exist yet (the benchmarks own it)."""
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        return
    import psycopg

    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def setup(url: str | None = None) -> str:
    """Point Django at the benchmark database, migrate it and return its URL."""
    url = url or database_url()
    if "meldcode_bench" not in url and "bench" not in url:
        sys.exit("Refusing to run benchmarks on a database whose name does not contain 'bench'.")
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    # As the HTTP benchmark's servers run (bench.load.server_env): chaining by the sequencer, Redis if given.
    os.environ["AUDIT_CHAIN_MODE"] = os.environ.get("BENCH_AUDIT_CHAIN_MODE", "worker")
    if os.environ.get("BENCH_REDIS_URL"):
        os.environ["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meldcode.settings")
    # In-process measurements run as the servers do (bench.load.server_env): without DEBUG's extra work.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("MELDCODE_VAR_DIR", str(Path(tempfile.gettempdir()) / "meldcode-bench-var"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    return url


def machine() -> dict:
    """What the numbers were measured on."""
    cpu = ""
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        memory_kb = int(info.readline().split()[1])
    postgres = ""
    try:
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                postgres = cursor.fetchone()[0]
    except Exception:  # noqa: BLE001 - the description is best effort
        postgres = ""
    return {"nproc": os.cpu_count(), "memory_gb": round(memory_kb / 1024 / 1024, 1), "cpu": cpu,
            "postgresql": postgres, "python": sys.version.split()[0],
            "kernel": subprocess.run(["uname", "-r"], capture_output=True, text=True).stdout.strip()}
