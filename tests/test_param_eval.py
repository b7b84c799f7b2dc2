"""Parameter-description records from mined pairs, and `hoverdoc eval --task params`."""

from __future__ import annotations

import json
import subprocess
import sys

from hoverdoc.training.mine import param_records

READ = (
    'def read_table(path, currency):\n    """Read a table.\n\n    Args:\n'
    "        path: The JSON file the invoices are read from.\n"
    '        currency: ISO code the totals are filtered by.\n    """\n    return open(path)\n'
)


def test_param_records_come_from_any_docstring_style():
    numpy = "Sum it.\n\nParameters\n----------\npath : str\n    The JSON file the invoices are read from.\n"
    pairs = [
        {
            "code": "def total(self, path, limit=3):\n    return path",
            "docstring": numpy,
            "name": "T.total",
            "path": "t.py",
        },
        {"code": "def f(x):\n    return x", "docstring": "Nothing documented.", "name": "f", "path": "f.py"},
    ]
    records = param_records(pairs)
    assert records == [
        {
            "task": "param",
            "code": pairs[0]["code"],
            "name": "T.total",
            "path": "t.py",
            "repo": "",
            "param": "path",
            "description": "The JSON file the invoices are read from.",
        }
    ]


def test_eval_params_reuses_the_workspace_and_leaves_the_function_itself_out(tmp_path):
    workspace = tmp_path / "ws"
    (workspace / "pkg").mkdir(parents=True)
    (workspace / "pkg" / "io.py").write_text(READ)
    (workspace / "pkg" / "other.py").write_text(READ.replace("read_table", "load_table"))
    data = tmp_path / "params.jsonl"
    record = {
        "task": "param",
        "code": "def total_for(path):\n    return path",
        "name": "read_table",  # its own path: only other.py may answer
        "path": "pkg/io.py",
        "param": "path",
        "description": "The JSON file the invoices are read from.",
    }
    data.write_text(json.dumps(record) + "\n")
    command = [
        sys.executable,
        "-P",
        "-m",
        "hoverdoc.core.cli",
        "eval",
        "--task",
        "params",
        "--data",
        str(data),
        "--baseline",
        "name",
    ]
    alone = subprocess.run([*command, "--json", str(tmp_path / "a.json")], capture_output=True, text=True)
    assert alone.returncode == 0, alone.stderr
    assert json.loads((tmp_path / "a.json").read_text())["em"] == 0
    used = subprocess.run(
        [*command, "--workspace", str(workspace), "--json", str(tmp_path / "b.json")],
        capture_output=True,
        text=True,
    )
    scores = json.loads((tmp_path / "b.json").read_text())
    assert used.returncode == 0 and scores["em"] == 100 and scores["from_workspace"] == 1
    (workspace / "pkg" / "other.py").unlink()  # only the function's own docstring is left: never used
    own = subprocess.run(
        [*command, "--workspace", str(workspace), "--json", str(tmp_path / "c.json")],
        capture_output=True,
        text=True,
    )
    assert own.returncode == 0 and json.loads((tmp_path / "c.json").read_text())["from_workspace"] == 0


def test_mine_writes_parameter_records_beside_the_pairs(tmp_path):
    source = tmp_path / "pkg"
    source.mkdir()
    (source / "io.py").write_text(
        READ.replace("    return open(path)\n", "    rows = open(path)\n    return rows\n")
    )
    out, params = tmp_path / "pairs.jsonl", tmp_path / "params.jsonl"
    run = subprocess.run(
        [
            sys.executable,
            "-P",
            "-m",
            "hoverdoc.core.cli",
            "mine",
            str(source),
            "--out",
            str(out),
            "--params-out",
            str(params),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    written = [json.loads(line) for line in params.read_text().splitlines()]
    assert [(r["param"], r["description"]) for r in written] == [
        ("path", "The JSON file the invoices are read from."),
        ("currency", "ISO code the totals are filtered by."),
    ]
