"""Settings from the environment, each with a default and a help text (Open Zaak style).

Every variable read through `config()` is also listed in docs/configuration.md; the
`REGISTRY` lets a test check that the two stay in step.
"""

import os

REGISTRY: dict[str, str] = {}

_TRUE = {"1", "true", "yes", "on", "ja"}


def config(name: str, default=None, *, help_text: str, cast=str):
    REGISTRY[name] = help_text
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if cast is bool:
        return raw.strip().lower() in _TRUE
    if cast is list:
        return [item.strip() for item in raw.split(",") if item.strip()]
    return cast(raw)
