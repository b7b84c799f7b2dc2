"""The settings schema has one home (server/settings.py); the VS Code extension declares the same."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from hoverdoc.server.docstrings import STYLES
from hoverdoc.server.settings import CLIENT_ONLY_SETTINGS, SETTING_KEYS, Settings, parse_settings

PACKAGE = Path(__file__).parents[1] / "vscode-client" / "package.json"
JSON_TYPES = {bool: "boolean", int: "integer", str: "string", tuple: "array"}


def declared() -> dict[str, dict]:
    configuration = json.loads(PACKAGE.read_text())["contributes"]["configuration"]
    sections = configuration if isinstance(configuration, list) else [configuration]
    return {k.removeprefix("hoverdoc."): v for section in sections for k, v in section["properties"].items()}


def test_package_json_declares_exactly_the_server_settings_and_the_client_own():
    assert set(declared()) == set(SETTING_KEYS) | CLIENT_ONLY_SETTINGS


def test_defaults_and_types_agree():
    defaults = Settings()
    properties = declared()
    for key, field in SETTING_KEYS.items():
        default = getattr(defaults, field)
        declared_default = properties[key].get("default")
        if default is None:
            assert declared_default in (None, ""), key
        else:
            expected = list(default) if isinstance(default, tuple) else default
            assert declared_default == expected, key
            declared_type = properties[key]["type"]
            types = declared_type if isinstance(declared_type, list) else [declared_type]
            assert JSON_TYPES[type(default)] in types, key


def test_the_style_enum_is_the_composer_styles_and_every_declared_default_parses():
    properties = declared()
    assert properties["docstringStyle"]["enum"] == list(STYLES)
    raw = {key: properties[key].get("default") for key in SETTING_KEYS}
    settings, warnings = parse_settings(raw)
    assert warnings == [] and settings == Settings()


def test_settings_is_a_frozen_dataclass_with_a_client_key_per_field():
    fields = {f.name for f in dataclasses.fields(Settings)}
    assert fields == set(SETTING_KEYS.values())
