"""Every action code the app writes to the trail has a Dutch label, and every action filter finds something.

The codes are found by reading the source of the project's apps: the first argument of each call to
audit.log.record() or one of the wrappers around it (`audit`, `_audit`, `audit_record`, `auditing.record`, ...).
"""

import re
from functools import cache
from pathlib import Path

from django.apps import apps
from django.conf import settings

from audit.forms import ACTION_CHOICES, ACTION_LABELS
from audit.log import ACTION_PATTERN

# The names under which the app calls record(); aliases of `from audit.log import record as x` are added.
RECORDERS = {"record", "_record", "audit", "_audit", "audit_record", "auditing.record", "log.record"}
LITERAL = r"\"([^\"\\\n]*)\"|'([^'\\\n]*)'"
ALIAS = re.compile(r"from\s+audit\.log\s+import\s+[^\n]*?\brecord\s+as\s+(\w+)")
# The first argument: everything up to the first comma or closing parenthesis outside brackets and strings.
FIRST_ARG = r"(?P<arg>(?:\"[^\"\n]*\"|'[^'\n]*'|\[[^\]\n]*\]|[^,()\"'\[\]])*)"
# Pass-throughs: wrappers whose first parameter is handed on; their callers are scanned as calls themselves.
PASS_THROUGH = {
    ("accounts/views.py", "action"),  # _audit(action, request, ...)
    ("schools/events.py", "action"),  # record(action, **kwargs); record_import() assigns its own codes
    ("socialmap/auditing.py", "action"),  # record() and _record()
}


def _base() -> Path:
    return Path(settings.BASE_DIR).resolve()


def _source_files():
    base = _base()
    roots = {base / "meldcode"}
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(base) and ".venv" not in path.relative_to(base).parts:
            roots.add(path)
    for root in sorted(roots):
        for file in sorted(root.rglob("*.py")):
            parts = file.relative_to(base).parts
            if not {"tests", "migrations", ".venv", "node_modules"} & set(parts):
                yield file


def _codes_in(text: str) -> set[str]:
    found = {first or second for first, second in re.findall(LITERAL, text)}
    return {code for code in found if ACTION_PATTERN.match(code)}


def _dynamic(arg: str) -> set[str] | None:
    """Codes of a first argument that is computed from a table rather than written out."""
    if arg == "exports.AUDIT_ACTIONS[kind]":
        from documents.exports import AUDIT_ACTIONS

        return set(AUDIT_ACTIONS.values())
    return None


def _resolve(name: str, text: str) -> set[str]:
    """The codes a variable or constant in the same file can hold: `NAME = "a.b"`, `name = "a" if c else "b"`,
    or, for a loop variable, the first elements of the tuples the file builds (`events.append(("a.b", ...))`)."""
    codes = set()
    for rhs in re.findall(rf"^\s*{re.escape(name)}\s*=\s*(.+)$", text, flags=re.MULTILINE):
        codes |= _codes_in(rhs)
    if re.search(rf"\bfor\s+{re.escape(name)}\s*,", text):
        for first, second in re.findall(rf"\(\(\s*(?:{LITERAL})\s*,", text):
            if ACTION_PATTERN.match(first or second):
                codes.add(first or second)
    return codes


@cache
def recorded_codes() -> tuple[dict[str, list[str]], list[str]]:
    """{code: [where it is recorded]} and the calls whose code could not be worked out."""
    base = _base()
    files = {file: file.read_text(encoding="utf-8") for file in _source_files()}
    names = set(RECORDERS)
    for text in files.values():
        names |= set(ALIAS.findall(text))
    callee = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    call = re.compile(rf"(?<![\w.])(?<!def )(?:{callee})\(\s*{FIRST_ARG}")
    codes: dict[str, list[str]] = {}
    unresolved = []
    for file, text in files.items():
        relative = file.relative_to(base).as_posix()
        for match in call.finditer(text):
            arg = " ".join(match["arg"].split())
            if not arg:
                continue  # `record()` in a docstring or comment
            where = f"{relative}:{text.count(chr(10), 0, match.start()) + 1}"
            found = _codes_in(arg) if re.match(LITERAL, arg) else None
            if found is None:
                found = _dynamic(arg)
            if found is None and re.fullmatch(r"\w+", arg):
                found = _resolve(arg, text)
                if not found and (relative, arg) in PASS_THROUGH:
                    continue
            if not found:
                unresolved.append(f"{where}: {arg}")
                continue
            for code in found:
                codes.setdefault(code, []).append(where)
    return codes, unresolved


def test_the_scan_finds_the_codes_the_app_records():
    codes, unresolved = recorded_codes()
    assert not unresolved, (
        "Cannot tell which action code these calls record; write the code out, or teach this test where it "
        f"comes from: {unresolved}")
    assert len(codes) >= 40, sorted(codes)
    # A sample from each way a code is written: a literal, a conditional, a constant, a table and a loop.
    for code in ["case.view", "auth.reauth", "pupil.created", "pupil.updated", "socialmap.organisation_created",
                 "retention.recompute", "export.dossier_pdf", "schools.staff_imported", "meldcode.adopt"]:
        assert code in codes, code


def test_every_recorded_action_has_a_dutch_label():
    codes, _unresolved = recorded_codes()
    missing = {code: where for code, where in sorted(codes.items()) if code not in ACTION_LABELS}
    assert not missing, f"Add a label to audit.forms.ACTION_LABELS for: {missing}"


def test_labels_are_translatable_and_not_the_code_itself():
    for code, label in ACTION_LABELS.items():
        assert ACTION_PATTERN.match(code), code
        assert type(label).__name__ == "__proxy__", f"{code}: wrap the label in gettext_lazy"
        assert str(label) and str(label) != code


def test_every_action_filter_matches_a_recorded_code():
    codes, _unresolved = recorded_codes()
    for value, label in ACTION_CHOICES:
        if not value:
            continue  # "Alle handelingen"
        # The same match as audit.search.search_events: the code itself, or every code in its area.
        matched = [code for code in codes if code == value or code.startswith(f"{value}.")]
        assert matched, f"The filter {value!r} ({label}) matches no action the app records."
