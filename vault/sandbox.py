"""Parse untrusted documents in a child process with hard limits.

An uploaded PDF or Word document is read by a fresh Python process started from the same interpreter. Before
it reads a byte, the child limits itself: address space (RLIMIT_AS), CPU seconds (RLIMIT_CPU), the size of
what it may write (RLIMIT_FSIZE) and no core dumps; the parent adds a wall-clock timeout. A decompression
bomb or a parser stuck in a loop kills the child, never the web worker. The child gets no secrets: a bare
environment, no settings module, no database, and it writes only its answer.

    run("socialmap.readers:extract_text", data, kind="pdf")

runs `extract_text(data, kind="pdf")` in the child and returns its JSON result. The function refuses a
document by raising `Refused` with a Dutch message; the child has no translations, so the message travels as
its gettext source text and the parent translates it. A child over a limit, or one that fails in any other
way, gives `TooComplex`, with a message that can be shown as it is.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
from importlib import import_module

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

MB = 1024 * 1024
# The answer is text of at most about a million characters; more means something went wrong.
MAX_OUTPUT_BYTES = 32 * MB
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
    # Files rather than pipes: no deadlock, no threads, and the child's output is capped by RLIMIT_FSIZE.
    with tempfile.TemporaryFile() as stdin, tempfile.TemporaryFile() as stdout:
        stdin.write(len(request).to_bytes(8, "big") + request + data)
        stdin.seek(0)
        try:
            completed = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell
                [sys.executable, "-s", "-m", "vault.sandbox"],
                stdin=stdin, stdout=stdout, stderr=subprocess.DEVNULL,
                cwd=settings.BASE_DIR, env=_child_environment(),
                timeout=settings.DOCUMENT_SANDBOX_TIMEOUT_SECONDS, check=False,
            )
        except subprocess.TimeoutExpired:
            logger.warning("document sandbox: %s took longer than %ss", function,
                           settings.DOCUMENT_SANDBOX_TIMEOUT_SECONDS)
            raise TooComplex() from None
        stdout.seek(0)
        output = stdout.read(MAX_OUTPUT_BYTES + 1)
    try:
        answer = json.loads(output) if completed.returncode == 0 else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        # Killed by a signal (CPU or file size limit), out of memory in C code, or no answer at all.
        logger.warning("document sandbox: %s ended with exit status %s", function, completed.returncode)
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


def _child_environment() -> dict[str, str]:
    # Nothing from the parent's environment: it holds the secret key, the encryption keys and the database URL.
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1"}


def _limit_self(limits: dict) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory"], limits["memory"]))
    # SIGXCPU at the soft limit ends the process; the hard limit one second later is the backstop.
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu"], limits["cpu"] + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["output"], limits["output"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _child() -> None:
    """The child's side: read the request and the document from stdin, answer in JSON on stdout."""
    stdin = sys.stdin.buffer
    size = int.from_bytes(stdin.read(8), "big")
    request = json.loads(stdin.read(size))
    _limit_self(request["limits"])
    # Whatever a library prints goes to stderr; only the answer goes to the real stdout.
    answer_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # No settings module: without translations, gettext gives the Dutch source text for the parent.
    settings.configure(USE_I18N=False)
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


if __name__ == "__main__":
    # Run through the imported module, so that `Refused` raised by the function is the class caught here.
    from vault import sandbox

    sandbox._child()
