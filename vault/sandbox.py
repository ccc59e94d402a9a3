"""Parse untrusted documents in a child process with hard limits.

An uploaded PDF or Word document is read by its own Python process, started from the same interpreter.
Before it reads a byte of the document, the child limits itself: address space (RLIMIT_AS), CPU seconds
(RLIMIT_CPU), the size of what it may write (RLIMIT_FSIZE) and no core dumps; the parent adds a wall-clock
timeout. A decompression bomb or a parser stuck in a loop kills the child, never the web worker. The child
gets no secrets: a bare environment, no settings module, no database, and it writes only its answer.
One child serves one document and exits; the next one is started while the current one works (it imports
the parsers, then waits), which keeps the cost per document at a few tens of milliseconds.

    run("socialmap.readers:extract_text", data, kind="pdf")

runs `extract_text(data, kind="pdf")` in the child and returns its JSON result. The function refuses a
document by raising `Refused` with a Dutch message; the child has no translations, so the message travels as
its gettext source text and the parent translates it. A child over a limit, or one that fails in any other
way, gives `TooComplex`, with a message that can be shown as it is.
"""

from __future__ import annotations

import atexit
import json
import logging
import math
import os
import resource
import subprocess
import sys
import tempfile
import threading
from importlib import import_module

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

MB = 1024 * 1024
# The answer is text of at most about a million characters; more means something went wrong.
MAX_OUTPUT_BYTES = 32 * MB
# What a child imports before it receives its document (the parsers of socialmap.readers and vault.uploads).
PRELOAD = ("pikepdf", "pdfminer.high_level", "pdfminer.layout", "docx", "vault.uploads", "socialmap.readers")
TOO_COMPLEX = _("Dit bestand is te groot of te ingewikkeld om veilig te lezen.")


class Refused(Exception):
    """The document is refused; `message` is Dutch (a gettext source text inside the child)."""

    def __init__(self, message, code: str = "refused", params: dict | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.code = code
        self.params = params or {}


class TooComplex(Refused):
    """The child went over a limit, timed out or crashed."""

    def __init__(self):
        super().__init__(gettext(TOO_COMPLEX), code="too_complex")


def run(function: str, data: bytes, **options):
    """The result of `module:function(data, **options)`, computed in a limited child process.

    Raises Refused (translated message) when the function refuses the document, TooComplex when the child
    goes over a limit or fails. Options and the result must be JSON values."""
    limits = {
        "memory": settings.DOCUMENT_SANDBOX_MEMORY_MB * MB,
        "cpu": settings.DOCUMENT_SANDBOX_CPU_SECONDS,
        "output": MAX_OUTPUT_BYTES,
    }
    request = json.dumps({"function": function, "options": options, "limits": limits}).encode()
    try:
        child = _take_spare() or _Child()
    except OSError as error:  # no process could be started (out of processes or memory)
        logger.warning("document sandbox: cannot start a child (%s)", type(error).__name__)
        raise TooComplex() from None
    _start_spare()  # the next document's child imports its libraries while this one works
    try:
        returncode = child.answer(len(request).to_bytes(8, "big") + request + data,
                                  timeout=settings.DOCUMENT_SANDBOX_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        logger.warning("document sandbox: %s took longer than %ss", function,
                       settings.DOCUMENT_SANDBOX_TIMEOUT_SECONDS)
        raise TooComplex() from None
    output = child.output()
    try:
        answer = json.loads(output) if returncode == 0 else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        # Killed by a signal (CPU or file size limit), out of memory in C code, or no answer at all.
        logger.warning("document sandbox: %s ended with exit status %s", function, returncode)
        raise TooComplex()
    if "result" in answer:
        return answer["result"]
    if "refused" in answer:
        params = answer.get("params") or {}
        message = gettext(str(answer["refused"]))
        raise Refused(message % params if params else message, code=str(answer.get("code", "refused")),
                      params=params)
    # Only the kind of failure is logged: an exception's text could quote the document.
    logger.warning("document sandbox: %s failed with %s", function, answer.get("failed", "?"))
    raise TooComplex()


class _Child:
    """One child process, for one document. It starts by importing the parsers and then waits for its
    document, so that a spare can be started ahead of time; it never sees a second document."""

    def __init__(self):
        # The answer goes to a file rather than a pipe: RLIMIT_FSIZE caps it, and no thread has to read it.
        self._stdout = tempfile.TemporaryFile()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            [sys.executable, "-s", "-m", "vault.sandbox"],
            stdin=subprocess.PIPE, stdout=self._stdout, stderr=subprocess.DEVNULL,
            cwd=settings.BASE_DIR, env=_child_environment(),
        )

    def answer(self, message: bytes, *, timeout: float) -> int:
        try:
            self.process.stdin.write(message)
            self.process.stdin.close()
        except BrokenPipeError:
            pass  # the child died before reading: wait() gives its exit status
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.close()
            raise

    def output(self) -> bytes:
        self._stdout.seek(0)
        data = self._stdout.read(MAX_OUTPUT_BYTES + 1)
        self._stdout.close()
        return data

    def close(self) -> None:
        """End the child: a spare reads end-of-file and stops; one at work is killed."""
        if self.process.stdin and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except BrokenPipeError:
                pass
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._stdout.close()


_spares: list[_Child] = []
_spares_lock = threading.Lock()


def _take_spare() -> _Child | None:
    with _spares_lock:
        while _spares:
            child = _spares.pop()
            if child.process.poll() is None:
                return child
            child.close()
    return None


def _start_spare() -> None:
    with _spares_lock:
        if not _spares:
            try:
                _spares.append(_Child())
            except OSError:
                pass  # the next document starts its own child


@atexit.register
def _close_spares() -> None:
    with _spares_lock:
        while _spares:
            _spares.pop().close()


def _child_environment() -> dict[str, str]:
    # Nothing from the parent's environment: it holds the secret key, the encryption keys and the database URL.
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1"}


def _limit_self(limits: dict) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory"], limits["memory"]))
    # The CPU limit counts from the start of the process: add what the imports took. SIGXCPU at the soft
    # limit ends the process; the hard limit one second later is the backstop.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = math.ceil(usage.ru_utime + usage.ru_stime) + limits["cpu"]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["output"], limits["output"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _child() -> None:
    """The child's side: import the parsers, wait for the request and the document on stdin, set the limits,
    answer in JSON on stdout."""
    # No settings module: without translations, gettext gives the Dutch source text for the parent.
    settings.configure(USE_I18N=False)
    for module in PRELOAD:
        import_module(module)
    stdin = sys.stdin.buffer
    header = stdin.read(8)
    if len(header) < 8:
        return  # a spare that was not needed
    request = json.loads(stdin.read(int.from_bytes(header, "big")))
    _limit_self(request["limits"])
    # Whatever a library prints goes to stderr; only the answer goes to the real stdout.
    answer_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    data = stdin.read()
    try:
        module, name = request["function"].split(":")
        answer = {"result": getattr(import_module(module), name)(data, **request["options"])}
    except Refused as refusal:
        answer = {"refused": refusal.message, "code": refusal.code, "params": refusal.params}
    except Exception as error:  # MemoryError and RecursionError too: the parent says "too complex"
        answer = {"failed": type(error).__name__}
    with os.fdopen(answer_fd, "wb") as out:
        out.write(json.dumps(answer, ensure_ascii=False).encode())
    os._exit(0)  # the answer is written; tearing down the interpreter would only keep the parent waiting


if __name__ == "__main__":
    # Run through the imported module, so that `Refused` raised by the function is the class caught here.
    from vault import sandbox

    sandbox._child()
