"""The shared extractor: every definition, exact spans, signature parts, docstrings, code without them."""

from __future__ import annotations

import textwrap

from hoverdoc.core.extract import (
    ParamKind,
    Span,
    definition_at,
    definition_named_at,
    extract,
    has_syntax_errors,
)


def by_name(source: str) -> dict:
    return {d.qualname: d for d in extract(source)}


def test_nested_functions_methods_and_classes():
    found = by_name(
        textwrap.dedent("""\
        def outer(x):
            def inner(y):
                return y
            return inner(x)

        class Shape:
            sides = 0

            def area(self):
                return 0

            class Meta:
                def describe(cls):
                    return "meta"
        """)
    )
    assert list(found) == ["outer", "outer.inner", "Shape", "Shape.area", "Shape.Meta", "Shape.Meta.describe"]
    assert found["outer"].kind == "function" and found["outer.inner"].kind == "function"
    assert found["Shape.area"].kind == "method" and found["Shape.area"].parent == "Shape"
    assert found["Shape"].kind == "class" and found["Shape.Meta.describe"].kind == "method"
    assert found["outer.inner"].span == Span(1, 4, 2, 16)
    assert found["Shape.area"].code == "def area(self):\n    return 0"


def test_async_decorators_and_spans_include_decorators():
    found = by_name(
        textwrap.dedent("""\
        import functools

        @functools.lru_cache(maxsize=None)
        @other
        async def fetch(url: str) -> bytes:
            return await get(url)
        """)
    )
    fetch = found["fetch"]
    assert fetch.is_async
    assert fetch.decorators == ("functools.lru_cache(maxsize=None)", "other")
    assert fetch.span == Span(2, 0, 5, 25)
    assert fetch.name_span == Span(4, 10, 4, 15)
    assert fetch.signature == "async def fetch(url: str) -> bytes"
    assert fetch.code.startswith("@functools.lru_cache(maxsize=None)\n@other\nasync def fetch")


def test_parameter_kinds_defaults_and_annotations():
    source = "def f(a, b: int = 2, /, c=3, *args: str, d, e: 'X | None' = None, **kw) -> dict[str, int]:\n    pass\n"
    (f,) = extract(source)
    kinds = [(p.name, p.kind, p.annotation, p.default) for p in f.params]
    assert kinds == [
        ("a", ParamKind.POSITIONAL_ONLY, None, None),
        ("b", ParamKind.POSITIONAL_ONLY, "int", "2"),
        ("c", ParamKind.POSITIONAL_OR_KEYWORD, None, "3"),
        ("args", ParamKind.VAR_POSITIONAL, "str", None),
        ("d", ParamKind.KEYWORD_ONLY, None, None),
        ("e", ParamKind.KEYWORD_ONLY, "'X | None'", "None"),
        ("kw", ParamKind.VAR_KEYWORD, None, None),
    ]
    assert f.returns == "dict[str, int]"
    assert (
        f.signature
        == "def f(a, b: int = 2, /, c=3, *args: str, d, e: 'X | None' = None, **kw) -> dict[str, int]"
    )


def test_bare_star_makes_keyword_only():
    (f,) = extract("def f(a, *, b, c=1):\n    return a\n")
    assert [p.kind for p in f.params] == [
        ParamKind.POSITIONAL_OR_KEYWORD,
        ParamKind.KEYWORD_ONLY,
        ParamKind.KEYWORD_ONLY,
    ]
    assert f.signature == "def f(a, *, b, c=1)"


def test_multiline_signature_with_comments_folds_annotations():
    (f,) = extract(
        textwrap.dedent('''\
        def configure(
            name,  # the name
            mapping: Dict[
                str,
                List[int],
            ] = None,
        ) -> None:  # trailing
            """Configure it."""
            return None
        ''')
    )
    assert [p.name for p in f.params] == ["name", "mapping"]
    assert f.params[1].annotation == "Dict[str, List[int],]"
    assert f.returns == "None"
    assert f.docstring == "Configure it."
    assert '"""' not in f.code and "# the name" in f.code


def test_docstring_removed_from_code_and_dedented():
    source = textwrap.dedent('''\
        class A:
            def m(self, x):
                """Summary line.

                More text.
                """
                # a comment stays
                return x
        ''')
    found = by_name(source)
    method = found["A.m"]
    assert method.docstring == "Summary line.\n\nMore text."
    assert method.code == "def m(self, x):\n    # a comment stays\n    return x"
    assert method.docstring_span == Span(2, 8, 5, 11)


def test_one_line_definitions():
    found = by_name('def f(): return 1\ndef g(): "Doc."; return 2\nclass C: pass\n')
    assert found["f"].code == "def f(): return 1" and found["f"].docstring is None
    assert found["g"].docstring == "Doc." and found["g"].code == "def g(): return 2"
    assert found["C"].kind == "class"


def test_tabs_and_crlf():
    tabbed = 'class T:\n\tdef m(self):\n\t\t"""Tabbed."""\n\t\treturn 1\n'
    method = by_name(tabbed)["T.m"]
    assert method.code == "def m(self):\n\treturn 1" and method.docstring == "Tabbed."
    crlf = 'def f(a):\r\n    """Doc."""\r\n    return a\r\n\r\ndef g():\r\n    pass\r\n'
    found = by_name(crlf)
    assert found["f"].code == "def f(a):\n    return a"
    assert found["g"].span == Span(4, 0, 5, 8)


def test_file_with_syntax_error_in_the_middle_keeps_the_rest():
    source = textwrap.dedent("""\
        def before(a):
            return a

        def broken(a, b:
            x = (1,

        class After:
            def method(self):
                return 2

        def last():
            return 3
        """)
    assert has_syntax_errors(source)
    names = [d.qualname for d in extract(source)]
    assert "before" in names and "After.method" in names and "last" in names
    assert "broken" not in names


def test_bytes_and_fstrings_are_not_docstrings():
    found = by_name(
        'def f():\n    b"""bytes"""\n    return 1\n\ndef g():\n    r"""Raw \\d."""\n    return 2\n'
    )
    assert found["f"].docstring is None and 'b"""bytes"""' in found["f"].code
    assert found["g"].docstring == "Raw \\d."


def test_lookup_by_position():
    source = "class A:\n    def m(self):\n        return 1\n"
    definitions = extract(source)
    assert definition_named_at(definitions, 1, 9).qualname == "A.m"
    assert definition_named_at(definitions, 1, 0) is None
    assert definition_at(definitions, 2, 10).qualname == "A.m"
    assert definition_at(definitions, 0, 2).qualname == "A"


def test_class_bases_and_signature():
    (c,) = extract("class Point(Base, metaclass=Meta):\n    x: int = 0\n")
    assert c.bases == ("Base", "metaclass=Meta") and c.signature == "class Point(Base, metaclass=Meta)"


def test_long_flat_literals_are_walked_without_parsos_per_leaf_lookup(monkeypatch):
    """parso's ``get_next_leaf`` finds each leaf in its parent's children: walking a 40,000-item list
    with it took minutes (a hover never came back). Signatures and shifted block parses walk the tree
    themselves, so it must not be called."""
    import parso.tree
    from parso.utils import split_lines

    from hoverdoc.server.symbols import _block_definitions

    def refuse(self):
        raise AssertionError("get_next_leaf walks a long literal in quadratic time")

    monkeypatch.setattr(parso.tree.Leaf, "get_next_leaf", refuse)
    items = ", ".join(str(i) for i in range(5000))
    (lookup,) = extract(f"def lookup(index, table=({items})):\n    return table[index]\n")
    assert lookup.signature.startswith("def lookup(index, table=(0, 1, 2,")
    source = f"class Table:\n    DATA = [{items}]\n\n    def lookup(self, index):\n        return self.DATA[index]\n"
    found = _block_definitions(split_lines(source, keepends=True), 3)
    method = next(d for d in found if d.name == "lookup")
    assert method.name_span.start_line == 3  # shifted back to the file's own line numbers
