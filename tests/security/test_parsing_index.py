"""The definition index: a size limit, a memory bound, and hovers in large files without a whole parse."""

from __future__ import annotations

from hoverdoc.core.extract import definition_named_at, extract
from hoverdoc.server import symbols
from hoverdoc.server.symbols import DefinitionIndex


def big_source(functions: int) -> str:
    return "".join(
        f"def fetch_item_{i}(registry):\n    entry = registry.lookup({i})\n    return entry.value\n\n\n"
        for i in range(functions)
    )


def test_files_over_the_limit_are_not_parsed(monkeypatch):
    monkeypatch.setattr(symbols, "extract", lambda source: (_ for _ in ()).throw(AssertionError("parsed")))
    source = "# a comment\n" * (symbols.MAX_PARSE_CHARS // 12 + 10) + "def late():\n    pass\n"
    index = DefinitionIndex()
    assert index.definitions("file:///huge.py", source) == []
    assert index.definitions_near("file:///huge.py", source, 5) == []


def test_index_is_bounded_by_estimated_memory():
    source = big_source(400)  # ~36 kB
    cost = len(source) * symbols.CHARS_TO_BYTES
    index = DefinitionIndex(capacity=64, budget=int(cost * 2.5))
    for number in range(5):
        index.definitions(f"file:///f{number}.py", source)
    assert len(index._cache) == 2
    assert index._used <= int(cost * 2.5)
    index.forget("file:///f4.py")
    assert index._used == cost


def test_hover_in_a_large_file_parses_only_the_statement(monkeypatch):
    source = (
        big_source(2_000)
        + "class Registry:\n    '''Items.'''\n\n    def lookup(self, key):\n        return key\n"
    )
    full = extract(source)
    calls: list[int] = []
    original = symbols.extract

    def counting(text: str):
        calls.append(len(text))
        return original(text)

    monkeypatch.setattr(symbols, "extract", counting)
    index = DefinitionIndex()
    for expected in (full[1500], full[-1]):
        line, col = expected.name_span.start_line, expected.name_span.start_col
        found = definition_named_at(index.definitions_near("file:///big.py", source, line), line, col)
        assert found is not None
        assert (found.qualname, found.span, found.code, found.node.start_pos) == (
            expected.qualname,
            expected.span,
            expected.code,
            expected.node.start_pos,
        )
    assert calls and max(calls) < 500  # statement-sized parses only
    assert index.parses == 0


def test_a_string_running_past_the_block_falls_back_to_the_whole_file():
    source = big_source(1_200) + 'def odd():\n    """Doc\nat column zero\n    """\n    return 1\n'
    index = DefinitionIndex()
    line = len(source.splitlines()) - 5
    found = index.definitions_near("file:///odd.py", source, line)
    assert index.parses == 1
    assert definition_named_at(found, line, 4).docstring.startswith("Doc\nat column zero")


def test_first_hover_in_a_long_file_parses_only_its_statement_until_the_file_is_parsed():
    source = big_source(120)  # 600 lines: parsed whole in the background, not for a first hover
    assert source.count("\n") > symbols.HOVER_BLOCK_LINES and not symbols.is_large(source)
    expected = extract(source)[70]
    line = expected.name_span.start_line
    index = DefinitionIndex()
    near = index.definitions_near("file:///long.py", source, line)
    assert [d.qualname for d in near] == [expected.qualname] and index.parses == 0
    assert near[0].span == expected.span
    index.definitions("file:///long.py", source)  # the background parse
    assert len(index.definitions_near("file:///long.py", source, line)) == 120 and index.parses == 1
