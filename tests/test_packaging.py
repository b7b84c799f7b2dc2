"""The distribution's shape: the hoverdoc namespace, its package list, and a server path free of torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_folder_is_listed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapping = config["package-dir"]
    listed = set(config["packages"])
    found = set()
    for package, folder in mapping.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder)
            found.add(".".join([package, *relative.parts]))
    assert found == listed
    assert not (ROOT / "hoverdoc" / "__init__.py").exists()  # a PEP 420 namespace


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_no_top_level_modules_leak(tmp_path):
    for name in ("server", "training", "export", "core"):
        result = run_python(f"import {name}", tmp_path)
        assert result.returncode != 0 and "ModuleNotFoundError" in result.stderr, name
    assert (
        run_python(
            "import hoverdoc.server, hoverdoc.core, hoverdoc.training, hoverdoc.export", tmp_path
        ).returncode
        == 0
    )


def test_server_path_imports_no_torch(tmp_path):
    code = (
        "import sys\n"
        "import hoverdoc.server.server, hoverdoc.core.runtime, hoverdoc.server.__main__\n"
        "from hoverdoc.core.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('torch', 'transformers', 'peft', 'optimum') if m in sys.modules)\n"
        "print(heavy)\n"
    )
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_one_version_everywhere():
    from importlib.metadata import version

    from hoverdoc.training.modeling import RunInfo

    number = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    package = json.loads((ROOT / "vscode-client" / "package.json").read_text())
    assert package["version"] == number
    assert version("hoverdoc") == number
    assert RunInfo("base", None, "lora", {}, {}, None, None).hoverdoc_version == number
