"""The privacy officer reads the details of each event in words: every key the app records in `details` has a
Dutch label, codes in the values get their label ("TOTPDevice" -> "authenticator-app"), ids of staff become
names, nothing is "—", and times are Dutch.

The keys are found by reading the source (with Python's own parser): the `details=` of each call to
audit.log.record() or one of its wrappers (see test_action_labels.py for the names and the files).
"""

import ast
import re
from functools import cache

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.forms import DETAIL_LABELS, EMPTY, AuditSearchForm, describe_details, detail_value
from audit.log import record
from audit.tests.test_action_labels import ALIAS, RECORDERS, _base, _source_files


def _as_dict_keys(relative: str) -> set[str]:
    """The keys of the summaries that imports record (`details=result.as_dict()`, `**summary.as_dict()`)."""
    if relative.startswith("socialmap/"):
        from socialmap.importing import ImportResult

        return set(ImportResult().as_dict())
    if relative.startswith("schools/"):
        from schools.imports import SaveSummary

        return set(SaveSummary().as_dict())
    raise LookupError(relative)


def _dotted(node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


class _Scanner(ast.NodeVisitor):
    """Collects the keys of `details=` in calls to the recorders of one file."""

    def __init__(self, relative: str, tree: ast.Module, recorders: set[str]):
        self.relative, self.tree, self.recorders = relative, tree, recorders
        self.parameters: list[set[str]] = [set()]
        self.keys: dict[str, list[str]] = {}
        self.unresolved: list[str] = []

    def visit_FunctionDef(self, node):
        self.parameters.append({arg.arg for arg in [*node.args.args, *node.args.kwonlyargs]})
        self.generic_visit(node)
        self.parameters.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node):
        if _dotted(node.func) in self.recorders:
            for keyword in node.keywords:
                if keyword.arg == "details":
                    where = f"{self.relative}:{node.lineno}"
                    try:
                        found = self.resolve(keyword.value)
                    except LookupError:
                        self.unresolved.append(f"{where}: {ast.unparse(keyword.value)}")
                        continue
                    for key in found:
                        self.keys.setdefault(key, []).append(where)
        self.generic_visit(node)

    def resolve(self, node) -> set[str]:
        if isinstance(node, ast.Constant) and node.value is None:
            return set()
        if isinstance(node, ast.Dict):
            keys = set()
            for key, value in zip(node.keys, node.values, strict=True):
                if key is None:  # **spread
                    keys |= self.resolve(value)
                elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                    keys.add(key.value)
                else:
                    raise LookupError
            return keys
        if isinstance(node, ast.BoolOp):  # details or {}
            return set().union(*(self.resolve(value) for value in node.values))
        if isinstance(node, ast.IfExp):
            return self.resolve(node.body) | self.resolve(node.orelse)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self.resolve(node.left) | self.resolve(node.right)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "as_dict":
            return _as_dict_keys(self.relative)
        if isinstance(node, ast.DictComp) and self.relative == "audit/views.py":
            # The search records the filters it used: the form's fields, the case by reference and by id.
            return set(AuditSearchForm.base_fields) | {"case_id"}
        if isinstance(node, ast.Name):
            if node.id in self.parameters[-1]:
                return set()  # a wrapper handing on its caller's details: the callers are scanned themselves
            return self._loop_variable(node.id)
        raise LookupError

    def _loop_variable(self, name: str) -> set[str]:
        """`for action, organisation, details in events`: the dicts at that place in the tuples the file builds."""
        for loop in (n for n in ast.walk(self.tree) if isinstance(n, ast.For) and isinstance(n.target, ast.Tuple)):
            names = [_dotted(element) for element in loop.target.elts]
            if name in names:
                position, size = names.index(name), len(names)
                built = [n.elts[position] for n in ast.walk(self.tree)
                         if isinstance(n, ast.Tuple) and len(n.elts) == size and isinstance(n.elts[position], ast.Dict)]
                if built:
                    return set().union(*(self.resolve(value) for value in built))
        raise LookupError


@cache
def recorded_keys() -> tuple[dict[str, list[str]], list[str]]:
    base = _base()
    files = {file: file.read_text(encoding="utf-8") for file in _source_files()}
    recorders = set(RECORDERS)
    for text in files.values():
        recorders |= set(ALIAS.findall(text))
    keys: dict[str, list[str]] = {}
    unresolved: list[str] = []
    for file, text in files.items():
        relative = file.relative_to(base).as_posix()
        tree = ast.parse(text)
        scanner = _Scanner(relative, tree, recorders)
        scanner.visit(tree)
        for key, where in scanner.keys.items():
            keys.setdefault(key, []).extend(where)
        unresolved.extend(scanner.unresolved)
    return keys, unresolved


def test_the_scan_finds_the_detail_keys_the_app_records():
    keys, unresolved = recorded_keys()
    assert not unresolved, f"Cannot tell which detail keys these calls record; teach this test: {unresolved}"
    # A sample of each way details are written: a literal, a spread summary, a loop over built tuples,
    # a wrapper that adds its own key, the search filters, and a method's result.
    for key in ["device", "user", "fields", "values", "board", "attempted_email", "rows", "created", "source",
                "organisation", "date_from", "case_id", "unchanged", "ok", "sha256"]:
        assert key in keys, key
    assert len(keys) >= 50, sorted(keys)


def test_every_recorded_detail_key_has_a_dutch_label():
    keys, _unresolved = recorded_keys()
    missing = {key: where for key, where in sorted(keys.items()) if key not in DETAIL_LABELS}
    assert not missing, f"Add a label to audit.forms.DETAIL_LABELS for: {missing}"


def test_detail_labels_are_translatable_and_not_the_key_itself():
    for key, label in DETAIL_LABELS.items():
        assert type(label).__name__ == "__proxy__", f"{key}: wrap the label in gettext_lazy"
        assert str(label) and str(label) != key and "_" not in str(label), key


def test_codes_and_empty_values_are_shown_in_words():
    assert describe_details({"device": "TOTPDevice"}, action="auth.2fa") == [("Tweede factor", "authenticator-app")]
    assert detail_value("board", None) == EMPTY == "—"
    assert detail_value("shared", True) == "ja" and detail_value("rejected", False) == "nee"
    assert detail_value("role", "ib") == "Intern begeleider / aandachtsfunctionaris"
    assert detail_value("kind", "vt_summary") == "Samenvatting voor Veilig Thuis (pdf)"
    assert detail_value("retain_until", "2026-12-02") == "2 december 2026"
    assert detail_value("user", 7, names={7: "Anna de Vries"}) == "Anna de Vries"
    assert detail_value("user", 8, names={}) == "medewerker nr. 8"
    assert detail_value("fields", ["first_name", "group"], action="pupil.updated") == "voornaam, groep"


@pytest.mark.django_db
def test_the_privacy_officer_reads_the_trail_in_words_and_dutch_dates(school, people, verified_client):
    ib, privacy = people[Role.IB], people[Role.PRIVACY]
    event = record("auth.2fa", actor=ib, school=school, details={"device": "TOTPDevice"})
    record("staff.role_added", actor=people[Role.BEHEER], school=school, details={"user": ib.pk, "role": "ib"})
    record("evaluation.view", actor=people[Role.DIRECTIE], school=school, details={"year": 2026, "board": None})
    client = verified_client(privacy)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    page = client.get(reverse("audit:search", args=[school.slug]), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Tweede factor: authenticator-app" in page
    assert f"Medewerker: {ib.full_name}" in page and "Rol: Intern begeleider / aandachtsfunctionaris" in page
    assert "Bestuur (intern nummer): —" in page
    for raw in ("TOTPDevice", "device:", "board: None", "user:", "None"):
        assert raw not in page, raw
    months = "January|February|March|April|May|June|July|August|September|October|November|December"
    assert not re.search(rf"\b({months}|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b", page)
    at = timezone.localtime(event.at)
    dutch_months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
                    "oktober", "november", "december"]
    assert f">{at.day} {dutch_months[at.month - 1]} {at.year}, {at:%H:%M}</time>" in page
