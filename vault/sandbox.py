"""Parse untrusted documents in a child process with hard limits.

An uploaded PDF or Word document is read by a process of its own: a child forked from a clean server process
(same interpreter, started per worker thread) that has imported the parsers once and never reads a document
itself. Before it reads a byte of the document, the child limits itself: address space (RLIMIT_AS), CPU
seconds (RLIMIT_CPU), the size of what it may write (RLIMIT_FSIZE) and no core dumps; the server kills it
after a wall-clock timeout. A decompression bomb or a parser stuck in a loop ends the child, never the web
worker. The child gets no secrets (a bare environment, no settings module, no database), serves that one
document and exits; the cost per document is a fork plus the parsing.

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
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from importlib import import_module

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

MB = 1024 * 1024
# The answer is text of at most about a million characters; more means something went wrong.
MAX_OUTPUT_BYTES = 32 * MB
# What the server imports once, before it forks children (the parsers of socialmap.readers and vault.uploads).
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
    with tempfile.TemporaryFile() as answer_file:
        try:
            returncode = _run_on_server(len(request).to_bytes(8, "big") + request + data, answer_file)
        except OSError as error:  # no process could be started, or the server died
            logger.warning("document sandbox: %s could not run (%s)", function, type(error).__name__)
            raise TooComplex() from None
        if returncode is None:
            logger.warning("document sandbox: %s took longer than %ss", function,
                           settings.DOCUMENT_SANDBOX_TIMEOUT_SECONDS)
            raise TooComplex()
        answer_file.seek(0)
        output = answer_file.read(MAX_OUTPUT_BYTES + 1)
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


class _Server:
    """A clean process that has imported the parsers and forks one child per document (a fork server).

    It is started from the same interpreter with a bare environment and never reads a document itself: the
    document reaches the child through a pipe whose ends are passed over a Unix socket. Every child is a
    fresh copy of the clean server, so nothing of one document can reach the next, and the imports are paid
    once per worker instead of once per document."""

    def __init__(self):
        self.socket, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
                [sys.executable, "-s", "-m", "vault.sandbox", str(theirs.fileno())],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),), cwd=settings.BASE_DIR, env=_child_environment(),
                start_new_session=True,
            )
        finally:
            theirs.close()

    def run(self, message: bytes, answer_file, *, timeout: float) -> int | None:
        """The child's exit status, or None when it was killed for taking longer than `timeout` seconds."""
        read_end, write_end = os.pipe()
        try:
            socket.send_fds(self.socket, [json.dumps({"timeout": timeout}).encode()],
                            [read_end, answer_file.fileno()])
        except OSError as error:
            os.close(write_end)
            raise _ServerGone() from error
        finally:
            os.close(read_end)
        with open(write_end, "wb") as pipe:
            try:
                pipe.write(message)
            except BrokenPipeError:
                pass  # the child died before reading it all: its status says why
        # The server enforces the timeout; waiting longer than that means the server itself is stuck.
        self.socket.settimeout(timeout + 10)
        try:
            reply = self.socket.recv(4096)
        except TimeoutError:
            reply = b""
        if not reply:
            self.close()
            raise OSError("the document sandbox server stopped")
        status = json.loads(reply)
        return None if status["timed_out"] else status["status"]

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        self.socket.close()
        if self.alive():
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # the server and any child still at work
            except ProcessLookupError:
                pass
        self.process.wait()


class _ServerGone(OSError):
    """The server had stopped before it took the document (killed, or the machine ran out of memory)."""


def _run_on_server(message: bytes, answer_file) -> int | None:
    try:
        return _server().run(message, answer_file, timeout=settings.DOCUMENT_SANDBOX_TIMEOUT_SECONDS)
    except _ServerGone:
        _local.server.close()
        _local.server = None
        return _server().run(message, answer_file, timeout=settings.DOCUMENT_SANDBOX_TIMEOUT_SECONDS)


_local = threading.local()  # one server per thread: a document never waits for another thread's
_servers: list[_Server] = []
_servers_lock = threading.Lock()


def _server() -> _Server:
    server = getattr(_local, "server", None)
    if server is None or not server.alive():
        if server is not None:
            server.close()
        server = _local.server = _Server()
        with _servers_lock:
            _servers.append(server)
    return server


@atexit.register
def _close_servers() -> None:
    with _servers_lock:
        while _servers:
            _servers.pop().close()


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


def _serve(control_fd: int) -> None:
    """The server's side: import the parsers, then fork one child per document until the parent goes away."""
    # No settings module: without translations, gettext gives the Dutch source text for the parent.
    settings.configure(USE_I18N=False)
    for module in PRELOAD:
        import_module(module)
    control = socket.socket(fileno=control_fd)
    while True:
        try:
            job, fds, _flags, _address = socket.recv_fds(control, 4096, 2)
        except OSError:
            return
        if not job:
            return  # the parent closed its end
        document_fd, answer_fd = fds
        pid = os.fork()
        if pid == 0:
            try:
                control.close()
                os.dup2(document_fd, 0)
                os.dup2(answer_fd, 1)
                os.close(document_fd)
                os.close(answer_fd)
                _child()
            finally:
                os._exit(70)
        os.close(document_fd)
        os.close(answer_fd)
        timeout = json.loads(job)["timeout"]
        status, timed_out = _wait(pid, timeout)
        control.send(json.dumps({"status": status, "timed_out": timed_out}).encode())


def _wait(pid: int, timeout: float) -> tuple[int, bool]:
    """(exit status, negative for a signal; whether it was killed for time)."""
    deadline = time.monotonic() + timeout
    pause = 0.001
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), False
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return -signal.SIGKILL, True
        time.sleep(pause)
        pause = min(pause * 2, 0.02)


def _child() -> None:
    """One child: read the request and the document from stdin, set the limits, answer in JSON on stdout."""
    stdin = open(0, "rb", closefd=False)  # noqa: SIM115 - fd 0 is the document pipe, not the server's stdin
    header = stdin.read(8)
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

    sandbox._serve(int(sys.argv[1]))
