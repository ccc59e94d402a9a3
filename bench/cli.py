"""python -m bench [generate|reset|http|queries|audit|pdf|socialmap|all] - results as JSON lines."""

import argparse
import json
import sys
import time


def emit(name: str, **values):
    """One result as a JSON line on standard output."""
    print(json.dumps({"bench": name, **values}, ensure_ascii=False), flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    generate = sub.add_parser("generate", help="fill the benchmark database with realistic data")
    generate.add_argument("--scale", choices=["tiny", "realistic", "large"], default="realistic")
    sub.add_parser("reset", help="empty the benchmark database")
    http = sub.add_parser("http", help="HTTP load against gunicorn on 127.0.0.1")
    http.add_argument("--clients", default="1,16")
    http.add_argument("--requests", type=int, default=400, help="requests per page and concurrency (bounded)")
    http.add_argument("--seconds", type=float, default=20, help="at most this long per page and concurrency")
    http.add_argument("--workers", type=int, default=4, help="gunicorn worker processes in all")
    http.add_argument("--servers", type=int, default=1, help="gunicorn instances on their own ports (2: scale-out)")
    sub.add_parser("queries", help="SQL queries per page at 10 and 300 entries")
    audit = sub.add_parser("audit", help="audit_verify speed on a chain of N events (own scratch database)")
    audit.add_argument("--events", type=int, default=1_000_000)
    audit.add_argument("--pending", type=int, default=0,
                       help="also this many events waiting for the sequencer (stored as requests store them)")
    sub.add_parser("pdf", help="PDF export time of the 300-entry dossier")
    sub.add_parser("socialmap", help="sociale-kaart import time on the seed documents")
    sub.add_parser("profile", help="cProfile of the overview and the case page")
    sub.add_parser("all", help="generate (realistic, if empty) and run every measurement")
    args = parser.parse_args(argv)
    command = args.command or "all"

    if command == "audit":
        from bench.measure import audit_verify

        return audit_verify(args.events, args.pending)

    from bench import environment

    url = environment.setup()
    emit("machine", database=url.rsplit("/", 1)[-1], **environment.machine())
    started = time.perf_counter()
    if command == "generate":
        from bench.generate import SCALES, generate

        info = generate(SCALES[args.scale])
        emit("generate", seconds=round(time.perf_counter() - started, 1), **info)
    elif command == "reset":
        from bench.generate import reset

        reset()
        emit("reset", ok=True)
    elif command == "http":
        from bench.load import run_http

        run_http([int(c) for c in args.clients.split(",")], args.requests, args.seconds, args.workers, args.servers)
    elif command in ("queries", "pdf", "socialmap", "profile"):
        from bench import measure

        getattr(measure, command)()
    elif command == "all":
        from bench import measure
        from bench.generate import SCALES, generate
        from bench.load import run_http
        from schools.models import School

        if not School.objects.exists():
            info = generate(SCALES["realistic"])
            emit("generate", seconds=round(time.perf_counter() - started, 1), **info)
        measure.queries()
        run_http([1, 16], 400, 20, 4)
        run_http([1, 16], 400, 20, 4, servers=2)
        measure.profile()
        measure.pdf()
        measure.socialmap()
        measure.audit_verify(1_000_000, 100_000)
    else:
        parser.print_help()
        sys.exit(2)
