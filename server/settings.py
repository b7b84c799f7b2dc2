"""Server settings (the ``hoverdoc.*`` section) with defaults; invalid values fall back with a warning."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from hoverdoc.core.cli import MAX_THREADS

from .docstrings import STYLES


@dataclass(frozen=True)
class Settings:
    """What the editor can configure under ``hoverdoc``."""

    docstring_style: str = "google"  # hoverdoc.docstringStyle
    model_path: str | None = None  # hoverdoc.modelPath: a model directory; empty for the default
    hover_enabled: bool = True  # hoverdoc.hover.enabled
    hover_documented: bool = False  # hoverdoc.hover.documented: also hover functions that have docstrings
    max_source_tokens: int | None = (
        None  # hoverdoc.maxSourceTokens: the model's input length (None: the length its manifest serves)
    )
    threads: int = 0  # hoverdoc.threads: the encoder's threads (0: all cores)
    workspace_enabled: bool = True  # hoverdoc.workspace.enabled: learn from the workspace's documented code
    workspace_exclude: tuple[str, ...] = ()  # hoverdoc.workspace.exclude: gitignore-style globs not indexed
    diagnostics_enabled: bool = True  # hoverdoc.diagnostics.enabled: flag stale docstrings
    # hoverdoc.docstring.modelDescriptions: let a model that knows the task describe parameters the
    # workspace does not (off: the name's placeholder, which the model beats on the dev and test splits)
    model_descriptions: bool = True


# client key (dotted, as VS Code sends nested objects) -> field name; the VS Code extension's
# package.json declares the same keys, types and defaults (tests/test_settings_schema.py checks it)
SETTING_KEYS = {
    "docstringStyle": "docstring_style",
    "modelPath": "model_path",
    "hover.enabled": "hover_enabled",
    "hover.documented": "hover_documented",
    "maxSourceTokens": "max_source_tokens",
    "threads": "threads",
    "workspace.enabled": "workspace_enabled",
    "workspace.exclude": "workspace_exclude",
    "diagnostics.enabled": "diagnostics_enabled",
    "docstring.modelDescriptions": "model_descriptions",
}


# the objects that group settings (hover, workspace, ...), each with the keys it holds
SETTING_GROUPS = {
    group: sorted(key for key in SETTING_KEYS if key.startswith(f"{group}."))
    for group in {key.split(".")[0] for key in SETTING_KEYS if "." in key}
}

# settings that only the VS Code extension reads (how to start the server, tracing)
CLIENT_ONLY_SETTINGS = frozenset({"interpreter", "importStrategy", "wheelhouse", "trace.server"})


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(value, dict):
        return {}
    flat: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            flat.update(_flatten(item, f"{name}."))
        else:
            flat[name] = item
    return flat


def _valid(name: str, value: Any) -> Any:
    """The value converted for field ``name``; raises ValueError when it can't be used."""
    if name == "docstring_style":
        if isinstance(value, str) and value.lower() in STYLES:
            return value.lower()
        raise ValueError(f"must be one of {', '.join(STYLES)}")
    if name == "model_path":
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str):
            return value.strip()
        raise ValueError("must be a path")
    if name == "workspace_exclude":
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(v for v in value if v.strip())
        raise ValueError("must be a list of glob patterns")
    if name in (
        "hover_enabled",
        "hover_documented",
        "workspace_enabled",
        "diagnostics_enabled",
        "model_descriptions",
    ):
        if isinstance(value, bool):
            return value
        raise ValueError("must be true or false")
    if name == "max_source_tokens":
        if value is None or value == 0:
            return None
        if isinstance(value, int) and not isinstance(value, bool) and 8 <= value <= 4096:
            return value
        raise ValueError("must be a number of tokens between 8 and 4096")
    if name == "threads":
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_THREADS:
            return value
        raise ValueError("must be a number of threads, 0 for all cores")
    raise ValueError("unknown setting")


def parse_settings(raw: Any, base: Settings | None = None) -> tuple[Settings, list[str]]:
    """Settings from the client's ``hoverdoc`` object, and one warning per value that was ignored."""
    settings = base or Settings()
    warnings: list[str] = []
    if raw is None:
        return settings, warnings
    if not isinstance(raw, dict):
        return settings, [f"hoverdoc settings must be an object, got {type(raw).__name__}; using defaults"]
    updates: dict[str, Any] = {}
    for key, value in _flatten(raw).items():
        name = SETTING_KEYS.get(key)
        if name is None and key in SETTING_GROUPS:  # "hover": false, where an object was meant
            listed = ", ".join(SETTING_GROUPS[key])
            warnings.append(f"hoverdoc.{key} = {value!r} must be an object with {listed}; ignored")
            continue
        if name is None:
            continue  # settings the client owns (interpreter, trace.server) or from a newer hoverdoc
        try:
            updates[name] = _valid(name, value)
        except ValueError as error:
            default = getattr(Settings(), name)
            warnings.append(f"hoverdoc.{key} = {value!r} {error}; using {default!r}")
    return replace(settings, **updates), warnings
