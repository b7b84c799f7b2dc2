"""The distribution's shape: the hoverdoc namespace, its package list, and a server path free of torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
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


@pytest.mark.slow
def test_the_wheel_carries_the_model_and_summarizes_from_a_fresh_environment(tmp_path):
    """The wheel ``make dist`` and the VS Code extension ship, installed (without its dependencies,
    which come from this environment) into a new virtual environment: its own copy of the bundled
    model answers ``hoverdoc summarize``."""
    import site
    import zipfile

    built = subprocess.run(  # as make dist: the sdist, and the wheel built from it
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    assert len(list(tmp_path.glob("hoverdoc-*.tar.gz"))) == 1
    (wheel,) = tmp_path.glob("hoverdoc-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    model = "share/hoverdoc/models/hoverdoc-minilm-bart-22m"
    for name in ("manifest.json", "encoder_model.onnx", "decoder_model_merged.onnx", "tokenizer.json"):
        assert any(n.endswith(f".data/data/{model}/{name}") for n in names), name

    fresh = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True, timeout=120)
    python = fresh / "bin" / "python"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stderr
    # the dependencies from this environment, after the fresh one's own site-packages (which wins)
    purelib = next(fresh.glob("lib/python*/site-packages"))
    (purelib / "zz_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import hoverdoc.core.paths as p; print(p.__file__); print(p.bundled_model_dir());"
            "from hoverdoc.core.lexicon import read_lexicon as r; print(len(r()))",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    module, model_dir, lexicon_words = where.stdout.split()
    assert module.startswith(str(fresh)) and model_dir.startswith(str(fresh)), where.stdout
    assert int(lexicon_words) > 10_000  # the word guard's lexicon came with the wheel
    demo = subprocess.run(
        [str(fresh / "bin" / "hoverdoc"), "summarize", str(ROOT / "examples" / "demo.py"), "--no-workspace"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "HOVERDOC_MODEL"},
    )
    assert demo.returncode == 0, demo.stderr
    lines = demo.stdout.splitlines()
    assert len(lines) == 8 and all("fallback" not in line for line in lines), demo.stdout
