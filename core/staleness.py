"""Stale docstrings: documented functions whose docstring no longer matches the code.

Three findings, each only for what a docstring states in a structured section (Google ``Args:``,
NumPy ``Parameters``, Sphinx ``:param``, Epytext ``@param``; ``Returns``/``:returns:``/``@return``):

- ``unknown-param``: the docstring documents a parameter the signature no longer has;
- ``missing-param``: the docstring has a parameter section but leaves out a parameter;
- ``return-without-value``: the docstring documents a return value of a function that returns
  nothing (only bare ``return`` statements and no ``yield`` in its own body, nested functions not
  counted).

Docstrings without a parameter section are never checked for parameters. Stubs (a body of only
``pass``, ``...`` or ``raise``), abstract methods, overloads and properties are exempt from the
return rule. The source is parsed with the shared extractor (error-tolerant) and never executed;
nothing here raises on any input.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

import docstring_parser

from .extract import Definition, Param, ParamKind, extract

# docstring_parser's first ``args`` item of a parameter entry, by section
_PARAM_KEYS = frozenset({"param", "parameter", "arg", "argument", "key", "keyword", "other", "other_param"})
# sections that may document what ``**kwargs`` accepts rather than named parameters
_KEYWORD_KEYS = frozenset({"key", "keyword", "other", "other_param"})
_IMPLICIT_FIRST = frozenset({"self", "cls", "mcs", "mcls", "metacls"})
# decorators (last dotted part, call stripped) whose functions are exempt from the return rule
_RETURN_EXEMPT_DECORATORS = frozenset(
    {"property", "cached_property", "abstractproperty", "abstractmethod", "overload", "getter"}
)
_VARIADIC = (ParamKind.VAR_POSITIONAL, ParamKind.VAR_KEYWORD)
# section titles a parser can mistake for a parameter (NumPy "Examples" underlined with "=")
_SECTION_TITLES = frozenset(
    {"Example", "Examples", "Note", "Notes", "References", "Warning", "Warnings", "See", "Todo", "Methods"}
)
_SCOPES = frozenset({"funcdef", "classdef", "lambdef"})


class StaleKind(str, Enum):
    """What is stale about a docstring; the value is the diagnostic code."""

    UNKNOWN_PARAM = "unknown-param"
    MISSING_PARAM = "missing-param"
    RETURN_WITHOUT_VALUE = "return-without-value"


@dataclass(frozen=True)
class StaleFinding:
    """One stale statement of a docstring, located at its function's name."""

    qualname: str
    line: int  # 0-based line of the function's name
    column: int  # 0-based code-point column where the name starts
    end_column: int  # code-point column just after the name
    kind: StaleKind
    message: str  # one line
    param: str | None = None  # the parameter concerned (with its stars), None for returns


@dataclass(frozen=True)
class _Documented:
    """What a docstring's sections state."""

    params: tuple[str, ...]  # documented names, stars and escapes removed, in order
    keyword_params: frozenset[str]  # those documented under keyword / other-parameter sections
    has_param_section: bool
    documents_return: bool  # a non-generator return entry that says more than "None"


def find_stale(source: str) -> list[StaleFinding]:
    """Every stale-docstring finding in ``source``, in source order; never raises."""
    try:
        definitions = extract(source)
    except (RecursionError, MemoryError, ValueError):
        return []
    findings: list[StaleFinding] = []
    for definition in definitions:
        findings.extend(check_definition(definition))
    return findings


def check_definition(definition: Definition) -> list[StaleFinding]:
    """The findings for one definition (none for classes and undocumented functions)."""
    if not definition.is_function or not definition.docstring:
        return []
    documented = _documented(definition.docstring)
    if documented is None:
        return []
    try:
        findings = list(_param_findings(definition, documented))
        if documented.documents_return and not _returns_something(definition):
            findings.append(_finding(definition, StaleKind.RETURN_WITHOUT_VALUE, None))
    except RecursionError:
        return []
    return findings


def _documented(docstring: str) -> _Documented | None:
    """The parsed sections of a docstring, or None when it has none docstring_parser understands."""
    try:
        parsed = docstring_parser.parse(docstring)
    except Exception:  # noqa: BLE001 - a third-party parser on arbitrary text must not stop the check
        return None
    names: list[str] = []
    keyword: set[str] = set()
    for meta in parsed.meta:
        key = meta.args[0].lower() if meta.args else ""
        if not isinstance(meta, docstring_parser.DocstringParam) or key not in _PARAM_KEYS:
            continue
        for name in _names(meta.arg_name or ""):
            names.append(name)
            if key in _KEYWORD_KEYS:
                keyword.add(name)
    returns = [m for m in parsed.meta if isinstance(m, docstring_parser.DocstringReturns)]
    documents_return = any(not r.is_generator and not _says_none(r) for r in returns)
    return _Documented(tuple(names), frozenset(keyword), bool(names), documents_return)


def _names(arg_name: str) -> list[str]:
    """Parameter names in one entry ("x1, x2" in NumPy), without stars or reST escapes."""
    bare = (part.replace("\\", "").strip().lstrip("*") for part in arg_name.split(","))
    return [name for name in bare if name.isidentifier()]


def _says_none(entry: docstring_parser.DocstringReturns) -> bool:
    """Whether a return entry documents that nothing is returned ("Returns: None")."""
    type_name = (entry.type_name or "").strip()
    description = (entry.description or "").strip().rstrip(".")
    if type_name:
        return type_name == "None"
    first = description.split(";")[0].split(",")[0].strip().lower()
    return first in ("", "none", "nothing", "no value") or first.startswith(("none ", "nothing "))


def _signature_params(definition: Definition) -> list[Param]:
    """The parameters a docstring should document: all but a leading ``self``/``cls``."""
    params = list(definition.params)
    if params and params[0].name in _IMPLICIT_FIRST and params[0].kind != ParamKind.VAR_POSITIONAL:
        params = params[1:]
    return params


def _param_findings(definition: Definition, documented: _Documented) -> Iterator[StaleFinding]:
    """Unknown documented names first, then undocumented parameters, each in order."""
    if not documented.has_param_section:
        return
    params = _signature_params(definition)
    actual = {param.name for param in definition.params} | _IMPLICIT_FIRST | _SECTION_TITLES
    extra = [name for name in dict.fromkeys(documented.params) if name not in actual]
    described = _variadic_keys(params, documented, extra)
    for name in extra:
        if name not in described:
            yield _finding(definition, StaleKind.UNKNOWN_PARAM, name)
    listed = set(documented.params)
    for param in params:
        # pass-through *args/**kwargs are routinely left undocumented (and docstring_parser misses
        # "Keyword Args:" sections): never flag them, so the quick fix never rewrites such a docstring
        if param.name not in listed and param.kind not in _VARIADIC:
            yield _finding(definition, StaleKind.MISSING_PARAM, _starred(param))


def _variadic_keys(params: list[Param], documented: _Documented, extra: list[str]) -> set[str]:
    """The documented non-parameters that describe what ``*args``/``**kwargs`` accept: every one
    when a variadic is undocumented (requests' ``:param timeout:`` for ``**kwargs``, SciPy's
    ``x1, x2`` for ``*args``), those listed after a documented variadic (NumPy's ``kwargs : dict``
    followed by its keys), and, with ``**kwargs``, those under a keyword section (``Keyword Args:``)."""
    described: set[str] = set()
    order = list(documented.params)
    for param in (p for p in params if p.kind in _VARIADIC):
        if param.name in order:
            after = set(order[order.index(param.name) + 1 :])
            described |= {name for name in extra if name in after}
        else:
            described |= set(extra)
        if param.kind == ParamKind.VAR_KEYWORD:
            described |= {name for name in extra if name in documented.keyword_params}
    return described


def _starred(param: Param) -> str:
    star = {ParamKind.VAR_POSITIONAL: "*", ParamKind.VAR_KEYWORD: "**"}.get(param.kind, "")
    return f"{star}{param.name}"


def _finding(definition: Definition, kind: StaleKind, param: str | None) -> StaleFinding:
    """A finding located at the definition's name, with its one-line message."""
    target = f"{definition.qualname}()"
    if kind is StaleKind.UNKNOWN_PARAM:
        message = f"docstring documents '{param}', which is not a parameter of {target}"
    elif kind is StaleKind.MISSING_PARAM:
        message = f"docstring of {target} does not document parameter '{param}'"
    else:
        message = f"docstring documents a return value, but {target} returns nothing"
    span = definition.name_span
    return StaleFinding(
        qualname=definition.qualname,
        line=span.start_line,
        column=span.start_col,
        end_column=span.end_col if span.end_line == span.start_line else span.start_col,
        kind=kind,
        message=message,
        param=param,
    )


def _returns_something(definition: Definition) -> bool:
    """Whether the function returns a value or yields, or is exempt from the return rule."""
    if _exempt_decorated(definition) or _is_stub(definition.node):
        return True
    return _has_value_exit(definition.node)


def _exempt_decorated(definition: Definition) -> bool:
    """Properties, abstract methods and overloads document what implementations return."""
    for decorator in definition.decorators:
        last = decorator.split("(", 1)[0].strip().rsplit(".", 1)[-1]
        if last in _RETURN_EXEMPT_DECORATORS:
            return True
    return False


def _body_statements(funcdef) -> list:
    """The small statements of a function body (``a; b`` counts twice), docstring included."""
    suite = funcdef.children[-1]
    lines = [c for c in suite.children if c.type not in ("newline", "indent", "dedent")]
    if suite.type != "suite":
        lines = [suite]
    statements = []
    for line in lines:
        parts = line.children if line.type == "simple_stmt" else [line]
        statements.extend(p for p in parts if p.type != "newline" and not _is_semicolon(p))
    return statements


def _is_semicolon(node) -> bool:
    return node.type == "operator" and node.value == ";"


def _is_stub(funcdef) -> bool:
    """A body of only the docstring, ``pass``, ``...`` and ``raise`` statements."""
    for statement in _body_statements(funcdef):
        if statement.type in ("string", "raise_stmt"):
            continue
        if getattr(statement, "value", None) in ("pass", "...", "raise"):
            continue
        return False
    return True


def _has_value_exit(funcdef) -> bool:
    """A ``return <value>`` (``return None`` included: written on purpose) or a ``yield`` in the
    function's own body; a bare ``return`` returns nothing."""
    stack = list(funcdef.children[-1:])
    while stack:
        node = stack.pop()
        if node.type in _SCOPES:
            continue
        if node.type == "return_stmt" or (node.type == "keyword" and node.value == "yield"):
            return True
        stack.extend(getattr(node, "children", ()))
    return False
