"""Benchmark for audit_verify (not a test): builds a valid chain of N events in a scratch database.

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python -m audit.tests.bench_verify 1000000
    DATABASE_URL=postgres:///meldcode_bench python -m audit.tests.bench_verify 1000000

Never point it at a real database: it writes fake events into the trail.
"""

import datetime
import os
import sys
import time


def main(count: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meldcode.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from audit import chain
    from audit.verify import verify_chain

    call_command("migrate", "audit", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditevent")
        if cursor.fetchone()[0]:
            sys.exit("The scratch database already holds audit events; use an empty one.")

    started = time.perf_counter()
    moment = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    previous = chain.GENESIS
    batch = []
    sql = ("INSERT INTO audit_auditevent (seq, at, actor_id, actor_label, action, school_id, case_id, object_repr, "
           "reason, ip, user_agent, details, prev_hash, hash, mac) VALUES "
           "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '')")
    with transaction.atomic(), connection.cursor() as cursor:
        for seq in range(1, count + 1):
            at = moment + datetime.timedelta(microseconds=seq * 1337)
            values = (seq, chain.canonical_time(at), seq % 50, f"Medewerker {seq % 50} <m{seq % 50}@example.org>",
                      "case.view", 1, seq % 2000, f"Dossier {seq % 2000}", "", "192.0.2.10",
                      "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", '{"tab":"tijdlijn"}', previous)
            digest = chain.event_hash(values)
            batch.append((*values, digest))  # `at` as UTC text, the way Django stores it
            previous = digest
            if len(batch) == 10000:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
        cursor.execute("INSERT INTO audit_chainhead (id, seq, hash) VALUES (1, %s, %s)", [count, previous])
    print(f"built {count} events in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    result = verify_chain()
    seconds = time.perf_counter() - started
    print(f"verify: ok={result.ok} checked={result.checked} in {seconds:.2f} s = {result.checked / seconds:,.0f} events/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
