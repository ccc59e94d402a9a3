"""The child process that parses untrusted documents: its answer, its refusals and its hard limits.

The functions at the top run inside the child (it imports this module by name), so this module imports
nothing that needs Django's settings.
"""

import os
import resource
import time

import pytest

from vault import sandbox

TOO_COMPLEX = "Dit bestand is te groot of te ingewikkeld om veilig te lezen."


def measure(data, *, extra):
    print("chatter that must not spoil the answer")
    return {"length": len(data), "extra": extra}


def refuse(data):
    raise sandbox.Refused("Het bestand is leeg.", code="empty")


def allocate(data, *, megabytes):
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def spin(data):
    while True:
        pass


def sleep(data):
    time.sleep(60)


def crash(data):
    raise ValueError(data.decode())


def environment(data):
    return sorted(os.environ)


def run(function, data=b"document", **options):
    return sandbox.run(f"vault.tests.test_sandbox:{function}", data, **options)


def test_it_returns_the_answer_of_the_function_run_in_the_child():
    assert run("measure", b"abc", extra=[1, "twee"]) == {"length": 3, "extra": [1, "twee"]}


def test_a_refusal_in_the_child_reaches_the_caller_with_its_message_and_code():
    with pytest.raises(sandbox.Refused) as caught:
        run("refuse")
    assert (caught.value.message, caught.value.code) == ("Het bestand is leeg.", "empty")


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def test_a_child_that_takes_too_much_memory_is_stopped_and_the_caller_does_not_grow(settings):
    settings.DOCUMENT_SANDBOX_MEMORY_MB = 300
    assert run("allocate", megabytes=100) == 100 * 1024 * 1024
    before = peak_memory_mb()
    with pytest.raises(sandbox.TooComplex) as caught:
        run("allocate", megabytes=2000)
    assert (caught.value.message, caught.value.code) == (TOO_COMPLEX, "too_complex")
    assert peak_memory_mb() - before < 50


def test_a_child_that_computes_too_long_is_killed_by_the_cpu_limit(settings):
    settings.DOCUMENT_SANDBOX_CPU_SECONDS = 1
    started = time.monotonic()
    with pytest.raises(sandbox.TooComplex):
        run("spin")
    assert time.monotonic() - started < 10  # the wall clock (30 s) did not have to step in


def test_a_child_that_waits_too_long_is_killed_by_the_wall_clock(settings):
    settings.DOCUMENT_SANDBOX_TIMEOUT_SECONDS = 1
    started = time.monotonic()
    with pytest.raises(sandbox.TooComplex):
        run("sleep")
    assert time.monotonic() - started < 5


def test_an_unexpected_error_in_the_child_is_reported_without_its_text(caplog):
    with pytest.raises(sandbox.TooComplex):
        run("crash", b"Daan vertelde over thuis")
    assert "ValueError" in caplog.text
    assert "Daan" not in caplog.text


def test_the_child_does_not_get_the_secrets_from_the_environment(monkeypatch):
    monkeypatch.setenv("MELDCODE_ENCRYPTION_KEYS", "geheime-sleutel")
    monkeypatch.setenv("SECRET_KEY", "geheim")
    monkeypatch.setenv("DATABASE_URL", "postgres://geheim@db/meldcode")
    seen = run("environment")
    assert "PATH" in seen
    assert not {"MELDCODE_ENCRYPTION_KEYS", "SECRET_KEY", "DATABASE_URL"} & set(seen)


_REMEMBERED = []


def remember(data):
    """What earlier documents left behind in this process, then leave this one behind."""
    earlier = list(_REMEMBERED)
    _REMEMBERED.append(data.decode())
    return {"pid": os.getpid(), "earlier": earlier}


def test_every_document_gets_a_fresh_process_that_knows_nothing_of_the_one_before():
    first, second = run("remember", b"school A"), run("remember", b"school B")
    assert first["pid"] != second["pid"]
    assert first["earlier"] == second["earlier"] == []


def test_a_server_that_was_killed_is_started_again():
    import signal

    run("measure", b"a", extra=0)
    server = sandbox._local.server
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait()
    assert run("measure", b"ab", extra=0)["length"] == 2
