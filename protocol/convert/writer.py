"""Definitions as plain data, and a draft back to YAML text for the validator.

The shipped files use YAML 1.1 words as keys (`on:`, `yes:`, `no:`); PyYAML's safe loader would read those as
booleans, so this loader resolves only true/false."""

from __future__ import annotations

import copy
import re
from functools import lru_cache

import yaml

from protocol.definition import shipped_path


class _Loader(yaml.SafeLoader):
    pass


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper, value):
    style = ">" if len(value) > 110 and "\n" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def load_plain(text: str) -> dict:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


@lru_cache(maxsize=8)
def _shipped(key: str) -> dict:
    return load_plain(shipped_path(key).read_text(encoding="utf-8"))


def shipped(key: str) -> dict:
    return copy.deepcopy(_shipped(key))


def draft_yaml(data: dict, header: str = "") -> str:
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=116, default_flow_style=None)
    # version and step ids must stay strings; the dumper already quotes '1', '5a' is a plain word.
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    return ("\n".join(lines) + "\n" if lines else "") + body
