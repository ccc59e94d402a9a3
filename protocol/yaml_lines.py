"""YAML with line numbers: a meldcode file's mappings and lists remember the line each key and item stood on, so
that every problem in a school's file is reported as (file, line, message) in plain Dutch (protocol.definition).
Only YAML's safe subset is read; `yes`/`no` stay text (a meldcode's questions are answered `yes:`/`no:`)."""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

import yaml


class LineDict(dict):
    """A mapping that remembers on which line it and each of its keys start."""

    line = 1

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}

    def line_of(self, key) -> int:
        return self.lines.get(key, self.line)


class LineList(list):
    line = 1

    def __init__(self, *args):
        super().__init__(*args)
        self.lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.lines[index] if index < len(self.lines) else self.line


class _LineLoader(yaml.SafeLoader):
    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[int, Any]] = []
        self.bad_keys: list[int] = []
        self.aliases: list[int] = []

    def compose_node(self, parent, index):
        # Aliases (*name) let a small file expand into a huge one; a meldcode has no need for them.
        if self.check_event(yaml.AliasEvent):
            self.aliases.append(self.peek_event().start_mark.line + 1)
        return super().compose_node(parent, index)


# Only true/false are booleans (as in YAML 1.2): keys such as `yes:`, `no:` and `on:` stay text.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _construct(loader: _LineLoader, node):
    """A value; a scalar that looks typed but is not (a date like 2025-02-30) stays text for the validator."""
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError):
        if isinstance(node, yaml.ScalarNode):
            return node.value
        raise


def _construct_mapping(loader: _LineLoader, node):
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = _construct(loader, key_node)
        if not isinstance(key, Hashable):  # `[purpose]: parent` or `{a: b}: c` cannot be a field name
            loader.bad_keys.append(key_node.start_mark.line + 1)
            continue
        if key in mapping:
            loader.duplicates.append((key_node.start_mark.line + 1, key))
        mapping[key] = _construct(loader, value_node)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


def _construct_sequence(loader: _LineLoader, node):
    items = LineList(_construct(loader, child) for child in node.value)
    items.line = node.start_mark.line + 1
    items.lines = [child.start_mark.line + 1 for child in node.value]
    return items


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def parse_yaml(text: str, filename: str) -> tuple[Any, list[tuple[str, int, str]]]:
    """The YAML document with line-aware containers, plus problems (syntax errors, duplicate keys)."""
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        if loader.aliases:
            return None, [(filename, line, "Verwijzingen met * (YAML-aliassen) kunnen niet in een meldcodebestand; "
                                           "schrijf de tekst op elke plek uit.") for line in loader.aliases]
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        # A tab where YAML wants spaces is the usual cause; name every such line (only when the file does not parse,
        # so that a tab inside a text that parses stays allowed).
        tabs = _tab_lines(text)
        if tabs:
            return None, [(filename, tab, "Op deze regel staat een tab vóór de tekst. YAML springt alleen in met "
                                          "spaties: vervang de tab door spaties (bijv. twee per niveau).")
                          for tab in tabs]
        return None, [(filename, line, _yaml_message(error, text, line))]
    except yaml.YAMLError as error:
        return None, [(filename, 1, f"Geen geldige YAML: {error}.")]
    except (RecursionError, ValueError, TypeError, OverflowError):
        # E.g. thousands of nested brackets: not a meldcode, and not worth a crash.
        return None, [(filename, 1, "Geen geldige YAML: het bestand is te diep genest of bevat een waarde die niet "
                                    "te lezen is.")]
    finally:
        loader.dispose()
    problems = [(filename, line, f"De sleutel '{key}' staat twee keer in hetzelfde blok; de tweede overschrijft de "
                                 "eerste. Haal er één weg.") for line, key in loader.duplicates]
    problems += [(filename, line, "Een veldnaam moet een woord zijn (zoals 'purpose'), geen lijst of blok.")
                 for line in loader.bad_keys]
    return data, problems


def _tab_lines(text: str) -> list[int]:
    """Lines indented with a tab (YAML allows only spaces there)."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[:len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            found.append(number)
    return found


def _looks_indented(lines: list[str], line: int) -> bool:
    """The line is a `key:` indented deeper than the text line before it (a bad indent, not a colon in a text)."""
    current = lines[line - 1]
    previous = next((x for x in reversed(lines[:line - 1]) if x.strip() and not x.strip().startswith("#")), "")
    depth = len(current) - len(current.lstrip(" "))
    return (bool(re.match(r"^\s*[A-Za-z_][\w-]*:(\s|$)", current))
            and depth > len(previous) - len(previous.lstrip(" ")) and not previous.rstrip().endswith(":"))


def _yaml_message(error: yaml.MarkedYAMLError, text: str, line: int) -> str:
    """A syntax error in plain Dutch, with a hint for the usual mistakes (a colon in a text, a bad indent)."""
    problem = f"{error.problem or ''} {error.context or ''}"
    lines = text.splitlines()
    if "mapping values are not allowed" in problem and 1 < line <= len(lines) and _looks_indented(lines, line):
        return ("De inspringing klopt niet: deze regel springt verder in dan de regel erboven, terwijl die geen blok "
                "opent. Zet velden van hetzelfde blok precies onder elkaar, met spaties.")
    if "mapping values are not allowed" in problem:
        return ("De regel bevat een dubbele punt met een spatie erna midden in een tekst (zoals 'Let op: ...'). Zet "
                "de hele tekst tussen aanhalingstekens, bijv. rule: \"Let op: bel eerst.\"")
    if "\t" in problem or "'\\t'" in problem:
        return "Op deze regel staat een tab. YAML springt alleen in met spaties: vervang de tab door spaties."
    if any(word in problem for word in ("expected <block end>", "did not find expected key",
                                         "did not find expected '-'", "could not find expected ':'",
                                         "expected <block mapping start>")):
        return ("De inspringing klopt niet (op of vlak vóór deze regel). Velden van hetzelfde blok beginnen precies "
                "onder elkaar, met spaties; een punt van een lijst begint met '- ' op dezelfde inspringing als de "
                "andere punten.")
    if "found unexpected end of stream" in problem or "found unexpected ':'" in problem:
        return "Er mist een aanhalingsteken aan het eind van een tekst; sluit elke tekst die met \" begint af met \"."
    return f"Geen geldige YAML: {(error.problem or error.context or '').strip()}."
