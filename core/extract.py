"""The one Python source parser every stage shares.

Built on parso (the parser under jedi): it recovers from syntax errors, so the definitions that do
parse in a broken file are still found, and it keeps exact positions and the source text of every
token, which the docstring composer needs to edit files without disturbing them. The source is only
parsed, never executed or imported.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

import parso
from parso.python import tree
from parso.utils import split_lines

DefinitionKind = Literal["function", "method", "class"]


class ParamKind(str, Enum):
    """How a parameter binds, named like ``inspect.Parameter`` kinds."""

    POSITIONAL_ONLY = "positional_only"
    POSITIONAL_OR_KEYWORD = "positional_or_keyword"
    VAR_POSITIONAL = "var_positional"
    KEYWORD_ONLY = "keyword_only"
    VAR_KEYWORD = "var_keyword"


@dataclass(frozen=True)
class Span:
    """A 0-based, end-exclusive range; columns count code points."""

    start_line: int
    start_col: int
    end_line: int
    end_col: int

    def contains(self, line: int, col: int) -> bool:
        """Whether the position lies inside the span (the end position counts as inside)."""
        return (self.start_line, self.start_col) <= (line, col) <= (self.end_line, self.end_col)


@dataclass(frozen=True)
class Param:
    """One parameter of a signature; annotation and default are source text."""

    name: str
    kind: ParamKind
    annotation: str | None = None
    default: str | None = None


@dataclass(frozen=True)
class Definition:
    """A function, method or class found in source text."""

    name: str
    qualname: str
    kind: DefinitionKind
    is_async: bool
    span: Span  # the whole definition, decorators included
    name_span: Span
    params: tuple[Param, ...]
    returns: str | None
    decorators: tuple[str, ...]
    bases: tuple[str, ...]
    docstring: str | None  # cleaned as inspect.cleandoc does
    docstring_span: Span | None  # the string literal as written
    code: str  # the source without its docstring, dedented to column 0, "\n" line ends
    signature: str  # one line: "def name(params) -> ret" / "class Name(bases)"
    parent: str | None  # qualname of the enclosing definition
    node: tree.BaseNode = field(compare=False, repr=False, hash=False)

    @property
    def is_function(self) -> bool:
        """True for functions and methods."""
        return self.kind != "class"


def parse(source: str) -> tree.Module:
    """Parse source with error recovery (never raises on bad syntax)."""
    return parso.parse(source, error_recovery=True)


def extract(source: str) -> list[Definition]:
    """Every function, method and class in ``source``, in source order, nested ones included."""
    module = parse(source)
    lines = split_lines(source, keepends=True)
    found: list[Definition] = []
    _walk(module, lines, scope=[], parent_kind=None, out=found)
    return found


def has_syntax_errors(source: str) -> bool:
    """Whether parso had to recover from errors anywhere in ``source``."""
    return _contains_error(parse(source))


def _contains_error(node: tree.NodeOrLeaf) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in ("error_node", "error_leaf"):
            return True
        stack.extend(getattr(current, "children", ()))
    return False


def innermost(definitions: list[Definition]) -> Definition | None:
    """Of definitions that all contain one place, the innermost (the one that starts last)."""
    return max(definitions, key=lambda d: (d.span.start_line, d.span.start_col), default=None)


def definition_on_line(definitions: list[Definition], line: int) -> Definition | None:
    """The innermost definition whose lines include the 0-based ``line``."""
    return innermost([d for d in definitions if d.span.start_line <= line <= d.span.end_line])


def definition_at(definitions: list[Definition], line: int, col: int) -> Definition | None:
    """The innermost definition whose span contains the 0-based position."""
    best = None
    for definition in definitions:
        if definition.span.contains(line, col):
            if best is None or _span_size(definition.span) <= _span_size(best.span):
                best = definition
    return best


def definition_named_at(definitions: list[Definition], line: int, col: int) -> Definition | None:
    """The definition whose *name* is at the 0-based position, if any."""
    for definition in definitions:
        if definition.name_span.contains(line, col):
            return definition
    return None


def _span_size(span: Span) -> tuple[int, int]:
    return (span.end_line - span.start_line, span.end_col - span.start_col)


MAX_NESTING = 400  # syntax-tree depth beyond which a definition is skipped (parso's walks recurse)


def _walk(node, lines, scope: list[str], parent_kind: str | None, out: list[Definition]) -> None:
    """Collect definitions in source order with an explicit stack. A definition holding an expression
    nested deeper than ``MAX_NESTING`` (thousands of brackets) is left out, with the definitions
    around it, so no later recursive walk over its tree can exhaust Python's recursion limit."""
    stack = [(child, scope, parent_kind, 1, ()) for child in reversed(getattr(node, "children", ()))]
    too_deep: set[int] = set()
    while stack:
        child, child_scope, kind, depth, owners = stack.pop()
        if depth > MAX_NESTING:
            too_deep.update(owners)
            continue
        if child.type in ("funcdef", "classdef"):
            definition = _guarded_definition(child, lines, child_scope, kind)
            if definition is None:
                continue
            out.append(definition)
            child_scope, kind, owners = (
                [*child_scope, definition.name],
                definition.kind,
                (*owners, len(out) - 1),
            )
        grandchildren = reversed(getattr(child, "children", ()))
        stack.extend((grandchild, child_scope, kind, depth + 1, owners) for grandchild in grandchildren)
    if too_deep:
        out[:] = [definition for number, definition in enumerate(out) if number not in too_deep]


def _guarded_definition(node, lines, scope, parent_kind) -> Definition | None:
    """The definition, or None (skipped with what it holds) when one of its parts nests too deeply."""
    try:
        return _make_definition(node, lines, scope, parent_kind)
    except RecursionError:
        return None


def _outer_node(node: tree.BaseNode) -> tree.BaseNode:
    """The node that spans the definition with its ``async`` keyword and decorators."""
    outer = node
    while outer.parent is not None and outer.parent.type in ("async_funcdef", "async_stmt", "decorated"):
        outer = outer.parent
    return outer


def _decorators(outer: tree.BaseNode) -> tuple[str, ...]:
    if outer.type != "decorated":
        return ()
    first = outer.children[0]
    decorators = first.children if first.type == "decorators" else [first]
    return tuple(_one_line(d.children[1:-1]) for d in decorators)


def _make_definition(node, lines, scope, parent_kind) -> Definition | None:
    name_leaf = node.name
    if name_leaf.type != "name":
        return None
    outer = _outer_node(node)
    is_class = node.type == "classdef"
    is_async = not is_class and any(
        n.type in ("async_funcdef", "async_stmt") for n in _ancestors_until(node, outer)
    )
    kind = "class" if is_class else ("method" if parent_kind == "class" else "function")
    doc_leaf = _doc_leaf(node)
    docstring = _docstring_value(doc_leaf) if doc_leaf is not None else None
    if docstring is None:
        doc_leaf = None
    params: tuple[Param, ...] = ()
    returns = None
    bases: tuple[str, ...] = ()
    if is_class:
        bases = _class_bases(node)
    else:
        params = _params(node)
        annotation = node.annotation
        returns = _one_line([annotation]) if annotation is not None else None
    qualname = ".".join([*scope, name_leaf.value])
    definition_span = _span(outer.start_pos, _end_pos(node, lines))
    return Definition(
        name=name_leaf.value,
        qualname=qualname,
        kind=kind,
        is_async=is_async,
        span=definition_span,
        name_span=_span(name_leaf.start_pos, name_leaf.end_pos),
        params=params,
        returns=returns,
        decorators=_decorators(outer),
        bases=bases,
        docstring=docstring,
        docstring_span=_span(doc_leaf.start_pos, doc_leaf.end_pos) if doc_leaf is not None else None,
        code=_code_without_docstring(lines, definition_span, doc_leaf),
        signature=_signature(name_leaf.value, is_class, is_async, params, returns, bases),
        parent=".".join(scope) or None,
        node=node,
    )


def _ancestors_until(node, outer):
    current = node.parent
    while current is not None:
        yield current
        if current is outer:
            return
        current = current.parent


def _end_pos(node, lines) -> tuple[int, int]:
    """End of the definition's last token (not of its trailing newline)."""
    leaf = node.get_last_leaf()
    while (
        leaf is not None
        and leaf.type in ("newline", "endmarker", "dedent", "indent")
        and leaf.value in ("", "\n", "\r\n", "\r")
    ):
        previous = leaf.get_previous_leaf()
        if previous is None:
            break
        leaf = previous
    if leaf is None:
        return node.end_pos
    return leaf.end_pos


def _span(start: tuple[int, int], end: tuple[int, int]) -> Span:
    return Span(start[0] - 1, start[1], end[0] - 1, end[1])


def _doc_leaf(node) -> tree.Leaf | None:
    """The string leaf that is the definition's docstring, as Python decides it."""
    suite = node.children[-1]
    if suite.type == "suite":
        statements = [c for c in suite.children if c.type not in ("newline", "indent", "dedent")]
        if not statements:
            return None
        first = statements[0]
    else:  # a one-line body: "def f(): return 1"
        first = suite
    if first.type == "simple_stmt":
        first = first.children[0]
    if first.type == "string":
        return first
    return None


_STRING_PREFIX = re.compile(r"^([a-zA-Z]*)")


def _docstring_value(leaf: tree.Leaf) -> str | None:
    """The cleaned text of a string literal that Python would take as a docstring."""
    prefix = _STRING_PREFIX.match(leaf.value).group(1).lower()
    if "b" in prefix or "f" in prefix:
        return None  # bytes and f-strings are not docstrings
    try:
        value = ast.literal_eval(leaf.value)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return inspect.cleandoc(value) if isinstance(value, str) else None


def _params(funcdef) -> tuple[Param, ...]:
    """Parameters with their kinds, reading ``/`` and bare ``*`` markers in order."""
    parameters = funcdef.children[2]
    if parameters.type != "parameters":
        return ()
    items = parameters.children[1:-1]
    result: list[Param] = []
    seen_star = False
    for item in items:
        if item.type == "operator" and item.value == "/":
            # every parameter so far is positional-only
            result = [Param(p.name, ParamKind.POSITIONAL_ONLY, p.annotation, p.default) for p in result]
            continue
        if item.type == "operator" and item.value == "*":
            seen_star = True  # a bare "*": keyword-only parameters follow
            continue
        if item.type != "param" or item.name is None:
            continue
        star = item.star_count
        name = item.name.value
        annotation = _one_line([item.annotation]) if item.annotation is not None else None
        default = _one_line([item.default]) if item.default is not None else None
        if star == 1:
            seen_star = True
            kind = ParamKind.VAR_POSITIONAL
        elif star == 2:
            kind = ParamKind.VAR_KEYWORD
        else:
            kind = ParamKind.KEYWORD_ONLY if seen_star else ParamKind.POSITIONAL_OR_KEYWORD
        result.append(Param(name, kind, annotation, default))
    return tuple(result)


def _class_bases(classdef) -> tuple[str, ...]:
    arglist = classdef.get_super_arglist()
    if arglist is None:
        return ()
    if arglist.type == "arglist":
        parts = [c for c in arglist.children if not (c.type == "operator" and c.value == ",")]
    else:
        parts = [arglist]
    return tuple(_one_line([p]) for p in parts)


_OPENERS = ("(", "[", "{")
_CLOSERS = (")", "]", "}")


def leaves(node: tree.BaseNode | tree.Leaf) -> Iterator[tree.Leaf]:
    """The leaves of ``node`` in source order, in time linear in their number: parso's
    ``get_next_leaf`` looks each leaf up in its parent's children, which made a 40,000-item literal
    take minutes to walk."""
    stack = [node]
    while stack:
        current = stack.pop()
        children = getattr(current, "children", None)
        if children is None:
            yield current
        else:
            stack.extend(reversed(children))


def _one_line(nodes) -> str:
    """Source text of ``nodes`` on one line: comments dropped, line breaks folded into single spaces
    (none just inside brackets)."""
    text: list[str] = []
    previous = None
    for node in nodes:
        for leaf in leaves(node):
            if previous is not None and leaf.prefix:
                breaks = any(mark in leaf.prefix for mark in "\n\r#")
                if not (breaks and (previous.value in _OPENERS or leaf.value in _CLOSERS)):
                    text.append(" ")
            text.append(leaf.value)
            previous = leaf
    return "".join(text).strip()


def _signature(name, is_class, is_async, params, returns, bases) -> str:
    if is_class:
        return f"class {name}({', '.join(bases)})" if bases else f"class {name}"
    parts = []
    marker_done = False
    previous_kind = None
    for param in params:
        if previous_kind == ParamKind.POSITIONAL_ONLY and param.kind != ParamKind.POSITIONAL_ONLY:
            parts.append("/")
        if (
            param.kind == ParamKind.KEYWORD_ONLY
            and not marker_done
            and previous_kind != ParamKind.VAR_POSITIONAL
        ):
            parts.append("*")
        if param.kind in (ParamKind.KEYWORD_ONLY, ParamKind.VAR_POSITIONAL):
            marker_done = True
        parts.append(format_param(param))
        previous_kind = param.kind
    if previous_kind == ParamKind.POSITIONAL_ONLY:
        parts.append("/")
    text = f"{'async ' if is_async else ''}def {name}({', '.join(parts)})"
    return f"{text} -> {returns}" if returns else text


def format_param(param: Param) -> str:
    """A parameter as it would be written in a signature."""
    star = {"var_positional": "*", "var_keyword": "**"}.get(param.kind.value, "")
    text = f"{star}{param.name}"
    if param.annotation:
        text += f": {param.annotation}"
        if param.default is not None:
            text += f" = {param.default}"
    elif param.default is not None:
        text += f"={param.default}"
    return text


def _code_without_docstring(lines: list[str], span: Span, doc_leaf: tree.Leaf | None) -> str:
    """The definition's source with its docstring removed, dedented, with "\\n" line ends."""
    chunk = [line.rstrip("\r\n") for line in lines[span.start_line : span.end_line + 1]]
    if not chunk:
        return ""
    chunk[-1] = chunk[-1][: span.end_col]
    if doc_leaf is not None:
        chunk = _remove_docstring(chunk, span.start_line, doc_leaf)
    indent = re.match(r"[ \t]*", chunk[0]).group(0)
    dedented = [line[len(indent) :] if line.startswith(indent) else line.lstrip(" \t") for line in chunk]
    cleaned = [line.rstrip() for line in dedented]
    while cleaned and not cleaned[-1]:
        cleaned.pop()
    return "\n".join(cleaned)


def _remove_docstring(chunk: list[str], first_line: int, doc_leaf: tree.Leaf) -> list[str]:
    """Cut the docstring literal out of the lines; a line left empty goes, the rest of a line stays
    ("def f(): 'doc'; return 1" -> "def f(): return 1")."""
    start_line = doc_leaf.start_pos[0] - 1 - first_line
    end_line = doc_leaf.end_pos[0] - 1 - first_line
    head = chunk[start_line][: doc_leaf.start_pos[1]]
    tail = chunk[end_line][doc_leaf.end_pos[1] :].lstrip()
    if tail.startswith(";"):
        tail = tail[1:].lstrip()
    merged = head + tail if tail else head.rstrip()
    kept = [merged] if merged.strip() else []
    return chunk[:start_line] + kept + chunk[end_line + 1 :]
