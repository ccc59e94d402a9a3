"""audit_verify including the sequencer (not a test): a scratch database with `chained` events already in the
hash chain and `pending` events stored the way requests store them (unchained, with their MAC), then the
sequencer's own throughput and `audit_verify` (which chains what waits, then checks everything).

    DATABASE_URL=postgres:///meldcode_bench_audit python -m bench.audit_sequencer 1000000 100000

Prints one JSON line. Never point it at a real database: it writes fake events into the trail.
"""

import datetime
import json
import os
import sys
import time


def _values(number: int, moment):
    at = moment + datetime.timedelta(microseconds=number * 1337)
    return (at, number % 50, f"Medewerker {number % 50} <m{number % 50}@example.org>", "case.view", 1,
            number % 2000, f"Dossier {number % 2000}", "", "192.0.2.10",
            "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", '{"tab":"tijdlijn"}')


def main(chained: int, pending: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meldcode.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from audit import chain
    from audit.sequencer import chain_pending
    from audit.verify import verify_chain

    call_command("migrate", "audit", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditevent")
        if cursor.fetchone()[0]:
            sys.exit("The scratch database already holds audit events; use an empty one.")

    moment = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    started = time.perf_counter()
    columns = ("at, actor_id, actor_label, action, school_id, case_id, object_repr, reason, ip, user_agent, details, "
               "seq, prev_hash, hash, mac")
    sql = f"INSERT INTO audit_auditevent ({columns}) VALUES ({', '.join(['%s'] * 15)})"
    previous = chain.GENESIS
    with transaction.atomic(), connection.cursor() as cursor:
        batch = []
        for number in range(1, chained + pending + 1):
            values = _values(number, moment)
            own = chain.own_text((chain.canonical_time(values[0]), *values[1:]))
            if number <= chained:
                digest = chain.hash_of(number, own, previous)
                batch.append((chain.canonical_time(values[0]), *values[1:], number, previous, digest, ""))
                previous = digest
            else:  # as audit.log.record stores it: no place in the chain yet, a MAC over its own fields
                batch.append((chain.canonical_time(values[0]), *values[1:], None, None, None, chain.mac_of(own)))
            if len(batch) == 10000:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
        if chained:
            cursor.execute("INSERT INTO audit_chainhead (id, seq, hash) VALUES (1, %s, %s)", [chained, previous])
    built = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE audit_auditevent")

    # The sequencer alone, on half of what waits (the worker's job at peak) ...
    half = pending // 2
    started = time.perf_counter()
    sequenced = chain_pending(max_batches=max(1, half // 5000))
    sequencer_seconds = time.perf_counter() - started
    # ... and audit_verify as the command runs it: chain the rest, then check the whole trail.
    started = time.perf_counter()
    rest = chain_pending()
    result = verify_chain()
    verify_seconds = time.perf_counter() - started
    print(json.dumps({
        "bench": "audit_verify", "events": result.checked, "ok": result.ok, "build_seconds": round(built, 1),
        "sequencer_events": sequenced, "sequencer_seconds": round(sequencer_seconds, 2),
        "sequencer_events_per_s": round(sequenced / sequencer_seconds) if sequencer_seconds else None,
        "verify_chained_first": rest, "verify_seconds_including_sequencer": round(verify_seconds, 2),
        "events_per_s_including_sequencer": round(result.checked / verify_seconds),
    }))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000, int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)
