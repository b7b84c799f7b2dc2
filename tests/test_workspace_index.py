"""The workspace index: terms, ranking, updates and leaving a definition out of its own search."""

from __future__ import annotations

from hoverdoc.core.model_input import Exemplar, format_input
from hoverdoc.core.workspace_index import Entry, WorkspaceIndex, code_terms, identifier_terms
from hoverdoc.training.exemplars import attach_exemplars


def entry(path: str, name: str, code: str, summary: str, line: int = 0) -> Entry:
    return Entry(path=path, qualname=name, line=line, summary=summary, terms=code_terms(code))


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
