"""The workspace index: terms, ranking, updates and leaving a definition out of its own search."""

from __future__ import annotations

from hoverdoc.core.extract import extract
from hoverdoc.core.model_input import Exemplar, format_input
from hoverdoc.core.workspace_index import (
    Entry,
    WorkspaceIndex,
    code_terms,
    entry_kind,
    find_context,
    identifier_terms,
)
from hoverdoc.training.exemplars import attach_exemplars


def entry(path: str, name: str, code: str, summary: str, line: int = 0) -> Entry:
    return Entry(
        path=path, qualname=name, line=line, summary=summary, kind=kind_of(code), terms=code_terms(code)
    )


def sample_index() -> WorkspaceIndex:
    index = WorkspaceIndex()
    index.add(
        entry(
            "a.py", "parse_http_date", "def parse_http_date(text): return http.parse(text)", "Parse a date."
        )
    )
    index.add(
        entry(
            "a.py", "format_http_date", "def format_http_date(when): return http.fmt(when)", "Format a date."
        )
    )
    index.add(
        entry(
            "b.py", "open_socket", "def open_socket(host, port): return socket.create(host)", "Open a socket."
        )
    )
    return index


def test_identifier_terms_split_names_and_drop_keywords():
    assert identifier_terms("def parseHTTPDate(self, raw_text): return None") == [
        "parse",
        "http",
        "date",
        "raw",
        "text",
    ]


def test_search_ranks_by_shared_identifiers():
    hits = sample_index().search(code_terms("def parse_date(value): return http.parse(value)"), k=2)
    assert [h.entry.qualname for h in hits] == ["parse_http_date", "format_http_date"]
    assert 0 < hits[1].similarity < hits[0].similarity <= 1


def test_a_definition_is_never_its_own_exemplar():
    index = sample_index()
    code = "def parse_http_date(text): return http.parse(text)"
    hits = index.search(
        code_terms(code), k=3, exclude=lambda e: (e.path, e.qualname) == ("a.py", "parse_http_date")
    )
    assert "parse_http_date" not in [h.entry.qualname for h in hits]
    assert hits[0].entry.qualname == "format_http_date"


def kind_of(code: str):
    """The index kind of the first definition the extractor finds in ``code``."""
    return entry_kind(extract(code)[0].kind)


def test_the_index_kind_is_the_extractor_kind():
    assert kind_of("@dataclass(\n    frozen=True)\nclass Invoice:\n    number: str") == "class"
    assert kind_of("@cache\nasync def fetch(url):\n    class Local: pass") == "function"
    assert kind_of("class A:\n    def classify(self, x): return x") == "class"
    assert entry_kind("method") == "function" and entry_kind(None) is None


def test_a_class_quotes_only_a_class_and_a_function_only_a_function():
    index = WorkspaceIndex()
    index.add(
        entry(
            "ledger.py",
            "balance",
            "def balance(invoices, currency): return sum(i.total for i in invoices if i.currency == currency)",
            "Sum what the invoices still owe.",
        )
    )
    invoice = "@dataclass\nclass Invoice:\n    total: float\n    currency: str\n    invoices: list"
    context = find_context(index, invoice, "demo.py", "Invoice", kind="class")
    assert context.hits and context.hits[0].similarity >= 0.3  # a close neighbour, of the other kind
    assert context.quoted(0.3) is None
    index.add(entry("store.py", "Ledger", invoice.replace("Invoice", "Ledger"), "A ledger of invoices."))
    assert find_context(index, invoice, "demo.py", "Invoice").quoted(0.3) is not None  # kind unknown
    quoted = find_context(index, invoice, "demo.py", "Invoice", kind="class").quoted(0.3)
    assert quoted is not None and quoted.entry.qualname == "Ledger"
    function = "def owed(invoices, currency): return sum(i.total for i in invoices if i.currency == currency)"
    quoted = find_context(index, function, "demo.py", "owed", kind="function").quoted(0.3)
    assert quoted is not None and quoted.entry.qualname == "balance"


def test_replacing_a_file_updates_what_is_found():
    index = sample_index()
    query = code_terms("def close_socket(sock): sock.close()")
    assert [h.entry.qualname for h in index.search(query, k=1)] == ["open_socket"]
    index.replace_file(
        "b.py", [entry("b.py", "close_socket", "def close_socket(sock): sock.shutdown()", "Close it.")]
    )
    assert [h.entry.qualname for h in index.search(query, k=3)] == ["close_socket"]
    index.remove_file("b.py")
    assert index.search(query, k=3) == [] and len(index) == 2


def test_empty_index_and_unknown_terms_find_nothing():
    assert WorkspaceIndex().search(["anything"], k=3) == []
    assert sample_index().search(["zebra"], k=3) == []


def test_training_exemplars_come_from_the_pair_own_project_only():
    records = [
        {
            "code": "def read_config(path): return toml.load(path)",
            "summary": "Read it.",
            "repo": "one",
            "path": "c.py",
            "name": "read_config",
        },
        {
            "code": "def write_config(path, data): toml.dump(data, path)",
            "summary": "Write it.",
            "repo": "one",
            "path": "c.py",
            "name": "write_config",
        },
        {
            "code": "def read_config(path): return json.load(path)",
            "summary": "Other.",
            "repo": "two",
            "path": "c.py",
            "name": "read_config",
        },
    ]
    attach_exemplars(records)
    assert [e.name for e in records[0]["exemplars"]] == ["write_config"]
    assert records[2]["exemplars"] == []


def test_v2_input_puts_exemplars_before_the_code_and_v1_ignores_them():
    shown = [Exemplar("Cache.get", "Return the value | or None.", 0.73)]
    assert format_input("def f():\n    pass\n", exemplars=shown, version=2) == (
        "7 Cache.get : Return the value / or None. [SEP] def f():\n    pass"
    )
    assert format_input("def f(): pass", version=2) == "[SEP] def f(): pass"
    assert format_input("def f(): pass", exemplars=shown, version=1) == "def f(): pass"


DOCUMENTED = (
    'def read_rows(path):\n    """Read the rows of the table at path."""\n    return open(path).readlines()\n'
)


def make_tree(root):
    files = {
        "pkg/a.py": DOCUMENTED,
        "pkg/b.py": DOCUMENTED.replace("read_rows", "write_rows"),
        "env/pyvenv.cfg": "home = /usr\n",
        "env/lib/site.py": DOCUMENTED,
        "lib/site-packages/dep.py": DOCUMENTED,
        "node_modules/x.py": DOCUMENTED,
        "build/lib/pkg/a.py": DOCUMENTED,
        "tests/test_a.py": DOCUMENTED,
        "pkg/api_pb2.py": DOCUMENTED,
        "pkg/generated.py": "# Generated by the protocol compiler. DO NOT EDIT!\n" + DOCUMENTED,
        "ignored/x.py": DOCUMENTED,
        ".gitignore": "ignored/\n",
        "pkg/big.py": DOCUMENTED + "#" * 1_100_000 + "\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "pkg" / "outside.py").symlink_to(root.parent / "elsewhere.py")
    (root.parent / "elsewhere.py").write_text(DOCUMENTED)


def test_only_the_workspace_own_code_is_indexed_and_a_rebuild_reuses_the_store(tmp_path):
    from hoverdoc.core.workspace_scan import build_index
    from hoverdoc.core.workspace_store import WorkspaceStore

    root = tmp_path / "ws"
    root.mkdir()
    make_tree(root)
    store = WorkspaceStore(root, path=tmp_path / "store.sqlite3")
    index, report = build_index(root, store=store)
    assert sorted(e.path for e in index.entries()) == ["pkg/a.py", "pkg/b.py"]
    assert next(iter(index.entries())).summary == "Read the rows of the table at path."
    _, again = build_index(root, store=store)
    assert again.files_parsed == 0 and again.files_reused >= 2
    assert oct((tmp_path / "store.sqlite3").stat().st_mode & 0o777) == "0o600"


def test_the_store_keeps_each_entry_kind(tmp_path):
    from hoverdoc.core.workspace_scan import build_index
    from hoverdoc.core.workspace_store import WorkspaceStore

    root = tmp_path / "ws"
    root.mkdir()
    (root / "m.py").write_text(DOCUMENTED + 'class Table:\n    """A table of rows."""\n')
    store = WorkspaceStore(root, path=tmp_path / "store.sqlite3")
    built, _ = build_index(root, store=store)
    reused, report = build_index(root, store=store)
    assert report.files_reused == 1
    kinds = {e.qualname: e.kind for e in reused.entries()}
    assert (
        kinds == {e.qualname: e.kind for e in built.entries()} == {"read_rows": "function", "Table": "class"}
    )


def test_the_index_stops_at_its_file_cap_and_says_so(tmp_path):
    from hoverdoc.core.workspace_scan import build_index

    root = tmp_path / "ws"
    for n in range(5):
        (root / "pkg").mkdir(parents=True, exist_ok=True)
        (root / "pkg" / f"m{n}.py").write_text(DOCUMENTED)
    _, report = build_index(root, max_files=3)
    assert report.capped and report.files_seen == 3
    assert "larger than the index reads" in report.describe()


def test_parameter_descriptions_come_from_any_docstring_style():
    from hoverdoc.core.workspace_scan import parameter_descriptions

    google = "Do it.\n\nArgs:\n    path (str): The file to read.\n    *rest: More paths.\n"
    numpy = "Do it.\n\nParameters\n----------\npath : str\n    The file to read.\n"
    sphinx = "Do it.\n\n:param path: The file to read.\n"
    for text in (google, numpy, sphinx):
        assert ("path", "The file to read.") in parameter_descriptions(text)
    assert ("rest", "More paths.") in parameter_descriptions(google)


def test_parameters_are_described_as_the_workspace_describes_them_and_human_text_is_kept():
    from hoverdoc.core.extract import extract
    from hoverdoc.core.workspace_index import describe_parameters
    from hoverdoc.core.workspace_scan import entries_from_source
    from hoverdoc.server.docstrings import compose_docstring

    documented = (
        'def read_table(path, currency):\n    """Read a table.\n\n    Args:\n'
        "        path: The JSON file the invoices are read from.\n"
        '        currency: ISO code the totals are filtered by.\n    """\n'
    )
    index = WorkspaceIndex()
    for e in entries_from_source("io.py", documented) + entries_from_source("other.py", documented):
        index.add(e)
    source = (
        'def total_for(path, currency, limit=10):\n    """Total.\n\n    Args:\n        path: Mine.\n    """\n'
    )
    definition = extract(source)[0]
    described = describe_parameters(index, ["path", "currency", "limit"], "report.py", "total_for")
    assert described == {
        "path": "The JSON file the invoices are read from.",
        "currency": "ISO code the totals are filtered by.",
    }
    text = compose_docstring(source, definition, "Total.", "google", param_descriptions=described).text
    assert "path: Mine." in text  # the human-written description stays
    assert "currency (" not in text and "currency: ISO code the totals are filtered by." in text
    assert "limit (int): The limit. Defaults to 10." in text
    # the definition itself is never its own evidence
    assert describe_parameters(index, ["path"], "io.py", "read_table") == {
        "path": "The JSON file the invoices are read from."
    }
    alone = WorkspaceIndex()
    for e in entries_from_source("io.py", documented):
        alone.add(e)
    assert describe_parameters(alone, ["path"], "io.py", "read_table") == {}


def test_single_file_updates_follow_the_build_rules_and_unsaved_text_is_not_stored(tmp_path):
    from hoverdoc.core.workspace_scan import build_index, index_file
    from hoverdoc.core.workspace_store import WorkspaceStore

    root = tmp_path / "ws"
    make_tree(root)
    store = WorkspaceStore(root, path=tmp_path / "store.sqlite3")
    index, _ = build_index(root, store=store)
    for outside_the_rules in ("env/lib/site.py", "tests/test_a.py", "build/lib/pkg/a.py", "pkg/api_pb2.py"):
        assert index_file(index, root, root / outside_the_rules, store=store) == 0
    assert index_file(index, root, root / "pkg" / "a.py", source="x = '" + "#" * 1_100_000 + "'\n") == 0
    unsaved = DOCUMENTED.replace("Read the rows of the table at path.", "UNSAVED TEXT.")
    assert index_file(index, root, root / "pkg" / "a.py", source=unsaved, store=store) == 1
    assert "UNSAVED TEXT." in [e.summary for e in index.entries()]
    rebuilt, _ = build_index(root, store=store)  # the disk still holds the saved text
    assert "UNSAVED TEXT." not in [e.summary for e in rebuilt.entries()]
    assert sorted(e.path for e in rebuilt.entries()) == ["pkg/a.py", "pkg/b.py"]


def test_a_link_inside_the_workspace_does_not_make_a_definition_its_own_neighbour(tmp_path):
    from hoverdoc.core.workspace_index import find_context
    from hoverdoc.core.workspace_scan import build_index

    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text(DOCUMENTED)
    (root / "pkg" / "alias.py").symlink_to(root / "pkg" / "a.py")
    index, report = build_index(root)
    assert [e.path for e in index.entries()] == ["pkg/a.py"] and report.skipped["link"] == 1
    assert find_context(index, DOCUMENTED, "pkg/a.py", "read_rows").hits == ()


def test_summarize_indexes_the_workspace_it_is_given_and_refuses_one_that_does_not_hold_the_file(tmp_path):
    import subprocess
    import sys

    team = tmp_path / "team"
    (team / "pkg").mkdir(parents=True)
    (team / "pkg" / "tables.py").write_text(DOCUMENTED)
    (team / "pkg" / "report.py").write_text(
        DOCUMENTED.split('    """')[0] + "    return [row for row in open(path)]\n"
    )
    command = [sys.executable, "-m", "hoverdoc.core.cli", "summarize", str(team / "pkg" / "report.py")]
    done = subprocess.run([*command, "--workspace", str(team)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "(same as read_rows in pkg/tables.py)" in done.stdout  # the path is relative to the workspace
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run([*command, "--workspace", str(elsewhere)], capture_output=True, text=True)
    assert done.returncode == 2 and "is not inside --workspace" in done.stderr
