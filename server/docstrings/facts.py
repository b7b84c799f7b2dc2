"""What a definition's code says about its docstring: parameters, returns, yields, raises, attributes.

Reads the parso tree the shared extractor produced; nothing is executed.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from hoverdoc.core.extract import Definition, ParamKind
from hoverdoc.core.fallback import VERBS as _VERBS
from hoverdoc.core.fallback import split_name


@dataclass
class Entry:
    """One documented item: a parameter, return value, exception or attribute."""

    name: str
    type: str | None = None
    description: str = ""
    default: str | None = None
    star: str = ""  # "*" or "**" for variadic parameters
    written: bool = False  # the description is hoverdoc's (derived or found), not a person's


@dataclass
class Facts:
    """Everything the code tells us for the docstring's sections."""

    params: list[Entry] = field(default_factory=list)
    returns: Entry | None = None
    yields: Entry | None = None
    raises: list[Entry] = field(default_factory=list)
    attributes: list[Entry] = field(default_factory=list)


_DATACLASS_DECORATORS = re.compile(
    r"^(dataclasses\.)?dataclass\b|^(attr|attrs)\.(s|attrs|define|frozen|mutable)\b|^(define|frozen|mutable)\b"
    r"|^pydantic\.dataclasses\.dataclass\b"
)
_FIELD_BASES = re.compile(r"(^|\.)(NamedTuple|TypedDict|BaseModel|Struct|BaseSettings)$")
_NO_RETURN = {"None", "NoReturn", "Never", "typing.NoReturn", "typing.Never"}
_ITERATOR_TYPES = re.compile(
    r"^(?:typing\.|collections\.abc\.|t\.)?(Async)?(Iterator|Iterable|Generator)\[(?P<args>.*)\]$"
)
_EXCEPTION_TEXT = {
    "ValueError": "If an argument has an invalid value.",
    "TypeError": "If an argument has the wrong type.",
    "KeyError": "If a key is missing.",
    "IndexError": "If an index is out of range.",
    "FileNotFoundError": "If the file does not exist.",
    "PermissionError": "If access is not permitted.",
    "TimeoutError": "If the operation times out.",
    "NotImplementedError": "If this is not implemented.",
    "AttributeError": "If an attribute is missing.",
    "StopIteration": "When there are no more items.",
    "OSError": "If an operating-system call fails.",
    "RuntimeError": "If the operation fails.",
}
_FLAG_VERBS = {
    "follow",
    "skip",
    "include",
    "use",
    "allow",
    "enable",
    "keep",
    "ignore",
    "raise",
    "create",
    "force",
    "show",
    "strip",
    "sort",
    "recurse",
    "overwrite",
    "check",
    "validate",
    "return",
    "cache",
    "save",
    "print",
    "log",
    "wait",
    "retry",
    "append",
    "exclude",
    "verify",
    "copy",
    "dedent",
    "normalize",
    "resolve",
    "reverse",
    "close",
}
_PREDICATE_WORDS = {"is", "has", "can", "should", "needs", "must", "will"}
_FUNCTION_WORDS = {
    "a",
    "an",
    "the",
    "not",
    "for",
    "of",
    "from",
    "with",
    "by",
    "in",
    "on",
    "at",
    "and",
    "or",
    "if",
}


def clean_type(annotation: str | None) -> str | None:
    """An annotation as a docstring type: string annotations unquoted, whitespace folded."""
    if not annotation:
        return None
    text = annotation.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        try:
            value = ast.literal_eval(text)
            if isinstance(value, str):
                text = value
        except (ValueError, SyntaxError):
            pass
    text = re.sub(r"\s+", " ", text)
    return re.sub(r",\s*([\]\)}])", r"\1", text)  # a trailing comma left by a multi-line annotation


def literal_type(default: str | None) -> str | None:
    """The type of a simple literal default (``0`` -> int); None for anything else, ``None`` included."""
    if default is None:
        return None
    try:
        value = ast.literal_eval(default)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(value, bool):
        return "bool"
    for kind in (int, float, str, bytes):
        if type(value) is kind:
            return kind.__name__
    return None


def split_top_level(text: str) -> list[str]:
    """Split on commas outside brackets: "Dict[str, int], str" -> ["Dict[str, int]", "str"]."""
    parts, depth, current = [], 0, []
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if current and "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def _words(name: str) -> str:
    return " ".join(w.lower() if not w.isupper() else w for w in split_name(name)) or name


def is_flag(entry: Entry) -> bool:
    """Whether a parameter is a boolean switch (annotated ``bool`` or defaulting to True/False)."""
    return entry.type == "bool" or entry.default in ("True", "False")


def param_description(entry: Entry) -> str:
    """A short, honest description of a parameter derived from its name and type."""
    if entry.star == "*":
        return "Additional positional arguments."
    if entry.star == "**":
        return "Additional keyword arguments."
    words = split_name(entry.name)
    if is_flag(entry) and words:
        if words[0] in _PREDICATE_WORDS and len(words) > 1:
            return f"Whether it {words[0]} {' '.join(words[1:])}."
        if words[0] in _FLAG_VERBS:
            return f"Whether to {' '.join(words)}."
        return f"Whether {' '.join(words)} is enabled."
    return f"The {_words(entry.name)}."


def _return_description(definition: Definition, type_name: str | None) -> str:
    words = split_name(definition.name)
    if words and words[0] in _PREDICATE_WORDS and len(words) > 1:
        return f"True if {' '.join(words[1:])}, False otherwise."
    if type_name == "bool":
        return (
            "True on success, False otherwise."
            if words and words[0] not in _PREDICATE_WORDS
            else "The result."
        )
    if set(words) & _FUNCTION_WORDS:
        return "The result."  # "pattern_for", "not_a_match": no noun phrase to reuse
    if words and (words[0] in _VERBS or words[0] in _FLAG_VERBS or words[0] in ("to", "as")):
        return f"The {' '.join(words[1:])}." if len(words) > 1 else "The result."
    takes_arguments = any(p.name not in ("self", "cls") for p in definition.params)
    if len(words) == 1 and takes_arguments:
        return "The result."  # a one-word name with arguments is usually a verb: configure(x)
    if words and len(words) <= 3 and definition.name.islower():
        return f"The {' '.join(words)}."  # a noun-like name: "user_name" -> "The user name."
    return "The result."


def _yield_description(definition: Definition) -> str:
    words = split_name(definition.name)
    if len(words) > 1 and words[0] in (
        "iter",
        "gen",
        "generate",
        "get",
        "yield",
        "walk",
        "read",
        "list",
        "stream",
    ):
        return f"The {' '.join(words[1:])}."
    return "The next item."


def _node_text(node) -> str:
    return node.get_code(include_prefix=False).strip()


def _raise_entries(node) -> list[Entry]:
    seen: dict[str, Entry] = {}
    for statement in node.iter_raise_stmts():
        if statement.type != "raise_stmt" or len(statement.children) < 2:
            continue  # a bare "raise" re-raises: nothing new to document
        expression = statement.children[1]
        name, message = _exception_name_and_message(expression)
        if not name or name in seen or not re.match(r"^[A-Za-z_][\w.]*$", name):
            continue
        description = message or _EXCEPTION_TEXT.get(name.rsplit(".", 1)[-1], "If the operation fails.")
        seen[name] = Entry(name=name, description=description)
    return list(seen.values())


def _exception_name_and_message(expression) -> tuple[str | None, str | None]:
    if expression.type == "name":
        return expression.value, None
    if expression.type != "atom_expr":
        return None, None
    children = expression.children
    last = children[-1]
    if last.type == "trailer" and last.children[0].value == "(":
        name = "".join(_node_text(c) for c in children[:-1])
        message = None
        arguments = last.children[1:-1]
        if arguments:
            first = arguments[0]
            if first.type == "arglist":
                first = first.children[0]
            if first.type == "string":
                try:
                    value = ast.literal_eval(first.value)
                    if isinstance(value, str) and value.strip() and "{" not in value:
                        message = value.strip().split("\n")[0]
                        message = message[0].upper() + message[1:]
                        if not message.endswith((".", "!", "?")):
                            message += "."
                except (ValueError, SyntaxError):
                    pass
        return name, message
    return "".join(_node_text(c) for c in children), None


def _is_property(definition: Definition) -> bool:
    return any(
        d.split("(")[0].split(".")[-1] in ("property", "cached_property")
        or d.endswith((".setter", ".getter"))
        for d in definition.decorators
    )


def _is_static(definition: Definition) -> bool:
    return any(d.split("(")[0].split(".")[-1] == "staticmethod" for d in definition.decorators)


def function_facts(definition: Definition) -> Facts:
    """Facts of a function or method."""
    facts = Facts()
    params = list(definition.params)
    if (
        definition.kind == "method"
        and params
        and not _is_static(definition)
        and params[0].kind in (ParamKind.POSITIONAL_ONLY, ParamKind.POSITIONAL_OR_KEYWORD)
    ):
        params = params[1:]  # self or cls
    elif params and params[0].name in ("self", "cls") and definition.kind == "method":
        params = params[1:]
    for param in params:
        star = {ParamKind.VAR_POSITIONAL: "*", ParamKind.VAR_KEYWORD: "**"}.get(param.kind, "")
        type_name = clean_type(param.annotation) or literal_type(param.default)
        entry = Entry(name=param.name, type=type_name, default=param.default, star=star)
        entry.description = param_description(entry)
        facts.params.append(entry)
    node = definition.node
    returns_type = clean_type(definition.returns)
    generator = node.is_generator()
    if generator:
        yield_type = None
        if returns_type:
            match = _ITERATOR_TYPES.match(returns_type)
            if match:
                yield_type = split_top_level(match.group("args"))[0] if match.group("args") else None
        facts.yields = Entry(name="", type=yield_type, description=_yield_description(definition))
    elif definition.name != "__init__" and not _is_property(definition):
        returns_value = any(s.type == "return_stmt" for s in node.iter_return_stmts())
        if returns_type and returns_type not in _NO_RETURN:
            facts.returns = Entry(
                name="", type=returns_type, description=_return_description(definition, returns_type)
            )
        elif returns_type is None and returns_value:
            facts.returns = Entry(name="", type=None, description=_return_description(definition, None))
    facts.raises = _raise_entries(node)
    return facts


def _class_suite_statements(classdef):
    suite = classdef.children[-1]
    if suite.type != "suite":
        return [suite]
    return [c for c in suite.children if c.type not in ("newline", "indent", "dedent")]


def _annotated_fields(classdef) -> list[Entry]:
    entries = []
    for statement in _class_suite_statements(classdef):
        if statement.type != "simple_stmt":
            continue
        expr = statement.children[0]
        if expr.type != "expr_stmt" or len(expr.children) < 2 or expr.children[1].type != "annassign":
            continue
        target = expr.children[0]
        if target.type != "name" or target.value.startswith("_"):
            continue
        annassign = expr.children[1]
        annotation = _node_text(annassign.children[1])
        if re.match(r"^(typing\.)?ClassVar\b", annotation):
            continue
        default = _node_text(annassign.children[3]) if len(annassign.children) >= 4 else None
        entries.append(
            Entry(
                name=target.value,
                type=clean_type(annotation),
                default=default,
                description=f"The {_words(target.value)}.",
            )
        )
    return entries


def _self_assignments(init_definition: Definition) -> list[Entry]:
    annotations = {p.name: clean_type(p.annotation) for p in init_definition.params}
    found: dict[str, Entry] = {}

    def scan(node) -> None:
        for child in getattr(node, "children", ()):
            if child.type in ("funcdef", "classdef", "lambdef"):
                continue
            if child.type == "expr_stmt":
                target = child.children[0]
                if (
                    target.type == "atom_expr"
                    and len(target.children) == 2
                    and target.children[0].type == "name"
                    and target.children[0].value == "self"
                    and target.children[1].type == "trailer"
                    and target.children[1].children[0].value == "."
                ):
                    name = target.children[1].children[1].value
                    if not name.startswith("_") and name not in found:
                        annotation = None
                        second = child.children[1]
                        value = None
                        if second.type == "annassign":
                            annotation = clean_type(_node_text(second.children[1]))
                            value = second.children[3] if len(second.children) >= 4 else None
                        elif len(child.children) >= 3:
                            value = child.children[-1]
                        if annotation is None and value is not None and value.type == "name":
                            annotation = annotations.get(value.value)
                        found[name] = Entry(name=name, type=annotation, description=f"The {_words(name)}.")
            scan(child)

    scan(init_definition.node.children[-1])
    return list(found.values())


def class_facts(definition: Definition, methods: list[Definition]) -> Facts:
    """Facts of a class: attributes from dataclass-style fields and ``self.x = ...`` in ``__init__``."""
    facts = Facts()
    is_record = any(_DATACLASS_DECORATORS.match(d) for d in definition.decorators) or any(
        _FIELD_BASES.search(b.split("[")[0]) for b in definition.bases
    )
    entries = _annotated_fields(definition.node) if is_record else []
    names = {e.name for e in entries}
    init = next((m for m in methods if m.name == "__init__" and m.parent == definition.qualname), None)
    if init is not None:
        for entry in _self_assignments(init):
            if entry.name not in names:
                entries.append(entry)
                names.add(entry.name)
    facts.attributes = entries
    return facts


def facts_for(definition: Definition, all_definitions: list[Definition]) -> Facts:
    """Facts for any definition."""
    if definition.kind == "class":
        return class_facts(definition, all_definitions)
    return function_facts(definition)
