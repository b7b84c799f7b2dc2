"""The docstring composer: complete docstrings in the team's style, as exact text edits.

The summary comes from the model (or the fallback); parameters, returns, yields, raises and attributes
come from the code (``facts``). An existing docstring is parsed with ``docstring_parser`` and
updated: human-written text is kept, new parameters added, removed ones dropped, signature order kept,
its own style kept. The edit uses the file's indentation, quotes and line endings, and applying it twice
changes nothing the second time.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import docstring_parser
from docstring_parser import DocstringStyle

from hoverdoc.core.docstring_parse import documented_in_text_sections, parse_docstring, section_title
from hoverdoc.core.extract import Definition, extract
from hoverdoc.core.fallback import fallback_summary
from hoverdoc.core.model_input import RETURN_KEY
from hoverdoc.core.styles import DOCSTRING_STYLES as STYLES

from .facts import Entry, Facts, clean_type, facts_for

_FROM_PARSER = {
    DocstringStyle.GOOGLE: "google",
    DocstringStyle.NUMPYDOC: "numpy",
    DocstringStyle.REST: "sphinx",
    DocstringStyle.EPYDOC: "epytext",
}
_PARAM_KEYS = {"param", "parameter", "arg", "argument", "key", "keyword", "other"}
_ATTRIBUTE_KEYS = {"attribute", "attributes", "ivar", "var", "cvar"}


@dataclass
class DocModel:
    """A docstring's content before rendering."""

    summary: str
    description: str = ""
    facts: Facts = field(default_factory=Facts)
    extra: list[tuple[str, str]] = field(default_factory=list)  # kept sections: (title, text)


@dataclass
class TextEdit:
    """Replace the 0-based range [start, end) (columns in code points) with ``new_text``."""

    start_line: int
    start_col: int
    end_line: int
    end_col: int
    new_text: str
    snippet: str | None = None  # new_text as an LSP snippet: what hoverdoc wrote, tab stops


@dataclass
class DocstringResult:
    """The composed docstring and the edit that puts it in place (None when nothing changes)."""

    text: str
    edit: TextEdit | None
    action: Literal["insert", "update", "none"]
    style: str
    indent: str = ""  # the body indentation the literal sits at

    def indented(self) -> str:
        """The literal as it appears in the file, first line indented too."""
        return self.indent + self.text


# --- rendering -----------------------------------------------------------------------------------


def _with_default(entry: Entry) -> str:
    description = entry.description.strip()
    if entry.default is not None and "default" not in description.lower():
        description = f"{description} Defaults to {entry.default}.".strip()
    return description


def _indent_rest(text: str, indent: str) -> str:
    lines = text.split("\n")
    return "\n".join([lines[0]] + [indent + line if line.strip() else "" for line in lines[1:]])


def _block(text: str, indent: str) -> list[str]:
    return [indent + line if line.strip() else "" for line in text.split("\n")]


def _google(model: DocModel) -> list[str]:
    facts = model.facts
    sections: list[list[str]] = []
    if facts.params:
        lines = ["Args:"]
        for p in facts.params:
            head = f"{p.star}{p.name}" + (f" ({p.type})" if p.type else "")
            lines.append(f"    {head}: {_indent_rest(_with_default(p), ' ' * 8)}")
        sections.append(lines)
    for title, entry in (("Returns:", facts.returns), ("Yields:", facts.yields)):
        if entry is not None:
            prefix = f"{entry.type}: " if entry.type else ""
            sections.append([title, f"    {prefix}{_indent_rest(entry.description, ' ' * 8)}"])
    if facts.raises:
        sections.append(
            ["Raises:"] + [f"    {r.name}: {_indent_rest(r.description, ' ' * 8)}" for r in facts.raises]
        )
    if facts.attributes:
        lines = ["Attributes:"]
        for a in facts.attributes:
            head = a.name + (f" ({a.type})" if a.type else "")
            lines.append(f"    {head}: {_indent_rest(a.description, ' ' * 8)}")
        sections.append(lines)
    for title, text in model.extra:
        sections.append([f"{title}:"] + _block(text, "    "))
    return _join(model, sections)


def _numpy(model: DocModel) -> list[str]:
    facts = model.facts
    sections: list[list[str]] = []

    def header(title: str) -> list[str]:
        return [title, "-" * len(title)]

    if facts.params:
        lines = header("Parameters")
        for p in facts.params:
            spec = f"{p.star}{p.name}"
            if p.type:
                spec += f" : {p.type}"
            if p.default is not None:
                spec += ", optional" if p.type else " : optional"
            lines += [spec, *_block(_with_default(p), "    ")]
        sections.append(lines)
    for title, entry in (("Returns", facts.returns), ("Yields", facts.yields)):
        if entry is not None:
            sections.append(header(title) + [entry.type or "result", *_block(entry.description, "    ")])
    if facts.raises:
        lines = header("Raises")
        for r in facts.raises:
            lines += [r.name, *_block(r.description, "    ")]
        sections.append(lines)
    if facts.attributes:
        lines = header("Attributes")
        for a in facts.attributes:
            lines += [a.name + (f" : {a.type}" if a.type else ""), *_block(a.description, "    ")]
        sections.append(lines)
    for title, text in model.extra:
        sections.append(header(title) + text.split("\n"))
    return _join(model, sections)


def _fields(model: DocModel, tags: dict[str, str]) -> list[str]:
    facts = model.facts
    lines: list[str] = []
    for p in facts.params:
        name = f"{p.star}{p.name}" if tags["param"].startswith(":") else p.name  # epydoc names carry no stars
        lines.append(f"{tags['param']} {name}: {_indent_rest(_with_default(p), '    ')}")
        if p.type:
            lines.append(f"{tags['type']} {name}: {p.type}")
    for entry, key, type_key in ((facts.returns, "returns", "rtype"), (facts.yields, "yields", "ytype")):
        if entry is not None:
            lines.append(f"{tags[key]}: {_indent_rest(entry.description, '    ')}")
            if entry.type:
                lines.append(f"{tags[type_key]}: {entry.type}")
    for r in facts.raises:
        lines.append(f"{tags['raises']} {r.name}: {_indent_rest(r.description, '    ')}")
    for a in facts.attributes:
        lines.append(f"{tags['ivar']} {a.name}: {_indent_rest(a.description, '    ')}")
        if a.type:
            lines.append(f"{tags['vartype']} {a.name}: {a.type}")
    sections = [lines] if lines else []
    for title, text in model.extra:
        sections.append([f"{title}:", *_block(text, "    ")])
    return _join(model, sections)


_SPHINX_TAGS = {
    "param": ":param",
    "type": ":type",
    "returns": ":returns",
    "rtype": ":rtype",
    "yields": ":yields",
    "ytype": ":ytype",
    "raises": ":raises",
    "ivar": ":ivar",
    "vartype": ":vartype",
}
_EPYTEXT_TAGS = {
    "param": "@param",
    "type": "@type",
    "returns": "@return",
    "rtype": "@rtype",
    "yields": "@return",
    "ytype": "@rtype",
    "raises": "@raise",
    "ivar": "@ivar",
    "vartype": "@type",
}


def _join(model: DocModel, sections: list[list[str]]) -> list[str]:
    lines = [model.summary]
    if model.description:
        lines += ["", *model.description.split("\n")]
    for section in sections:
        lines += ["", *section]
    return lines


def render(model: DocModel, style: str) -> str:
    """The docstring's text (no quotes, no indentation) in ``style``."""
    if style == "pep257":
        lines = [model.summary] + (["", *model.description.split("\n")] if model.description else [])
    elif style == "google":
        lines = _google(model)
    elif style == "numpy":
        lines = _numpy(model)
    elif style == "sphinx":
        lines = _fields(model, _SPHINX_TAGS)
    elif style == "epytext":
        lines = _fields(model, _EPYTEXT_TAGS)
    else:
        raise ValueError(f"unknown docstring style {style!r}; choose one of {', '.join(STYLES)}")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


# --- merging with an existing docstring -----------------------------------------------------------


def _bare(name: str) -> str:
    return name.replace("\\", "").lstrip("*")


def parse_existing(docstring: str) -> tuple[docstring_parser.Docstring, str | None]:
    """The parsed docstring and its style (None when it has no recognisable sections)."""
    try:
        parsed = parse_docstring(docstring)
    except docstring_parser.ParseError:
        parsed = docstring_parser.parse(docstring.split("\n\n")[0], style=DocstringStyle.GOOGLE)
        return parsed, None
    style = _FROM_PARSER.get(parsed.style) if parsed.meta else None
    return parsed, style


def documented_params(docstring: str) -> list[str] | None:
    """Names of the parameters a docstring documents (None when it has no parameter section)."""
    parsed, style = parse_existing(docstring)
    if style is None:
        return None
    names = [_bare(m.arg_name) for m in parsed.params if m.args and m.args[0] in _PARAM_KEYS]
    return names


def _section_text(meta: docstring_parser.DocstringMeta) -> str:
    """A kept section's text, a NumPy example's doctest included: docstring_parser keeps the ``>>>``
    lines apart, as the example's snippet, and an update used to drop them."""
    snippet = getattr(meta, "snippet", None)
    return "\n".join(part.strip("\n") for part in (snippet, meta.description) if part)


def _keep_section(extra: list[tuple[str, str]], title: str, text: str) -> None:
    """Add a kept section; an example that docstring_parser split in chunks (NumPy: its text, then
    each doctest) is joined back into one section, as it was written."""
    if extra and extra[-1][0] == title and title.startswith("Example"):
        previous = extra[-1][1]
        gap = "\n" if text.startswith(">>>") and ">>>" in previous else "\n\n"  # doctest after doctest
        extra[-1] = (title, f"{previous}{gap}{text}")
    else:
        extra.append((title, text))


def _merge(fresh: Facts, parsed: docstring_parser.Docstring) -> tuple[Facts, list[tuple[str, str]]]:
    """Code facts merged with a parsed docstring: human text wins, the signature decides the params."""
    documented: dict[str, docstring_parser.DocstringParam] = {}
    attributes: dict[str, docstring_parser.DocstringMeta] = {}
    extra: list[tuple[str, str]] = []
    field_types = {  # reST keeps ":vartype x:" and ":ytype:" as separate fields
        (m.args[0].lower(), m.args[1] if len(m.args) > 1 else ""): (m.description or "").strip()
        for m in parsed.meta
        if m.args and m.args[0].lower() in ("vartype", "ytype")
    }
    for meta in parsed.meta:
        key = meta.args[0].lower() if meta.args else ""
        if isinstance(meta, docstring_parser.DocstringParam) and key in _PARAM_KEYS:
            documented[_bare(meta.arg_name)] = meta
        elif key in _ATTRIBUTE_KEYS:
            name = getattr(meta, "arg_name", None) or (meta.args[1] if len(meta.args) > 1 else "")
            attributes[_bare(name.split(" ")[0])] = meta
        elif isinstance(meta, (docstring_parser.DocstringReturns, docstring_parser.DocstringRaises)):
            continue
        elif key not in ("type", "rtype", "vartype", "ytype") and _section_text(meta):
            _keep_section(extra, section_title(meta), _section_text(meta))
    merged = Facts()
    elsewhere = documented_in_text_sections(extra)
    for entry in fresh.params:
        if entry.name in elsewhere and entry.name not in documented:
            continue  # a person documented it under "Keyword Args:" (or the like): kept there
        old = documented.get(entry.name)
        if old is not None:
            human = (old.description or "").strip()
            entry = Entry(
                entry.name,
                _parsed_type(old.type_name) or entry.type,
                human or entry.description,
                entry.default,
                entry.star,
                written=not human,
            )
        merged.params.append(entry)
    returns = [m for m in parsed.meta if isinstance(m, docstring_parser.DocstringReturns)]
    old_returns = next((r for r in returns if not r.is_generator), None)
    old_yields = next((r for r in returns if r.is_generator), None)
    if fresh.yields is not None and fresh.returns is None and old_yields is None and old_returns is not None:
        old_returns, old_yields = (
            None,
            old_returns,
        )  # a generator documented under Returns (or epytext @return)
    merged.returns = _merge_result(fresh.returns, old_returns)
    merged.yields = _merge_result(fresh.yields, old_yields)
    if merged.yields is not None and field_types.get(("ytype", "")):
        merged.yields.type = field_types[("ytype", "")]
    raises = [
        Entry(r.type_name or "Exception", description=(r.description or "").strip()) for r in parsed.raises
    ]  # a person's, even when empty
    known = {r.name for r in raises}
    merged.raises = raises + [r for r in fresh.raises if r.name not in known]
    kept_attributes = []
    for name, meta in attributes.items():
        type_name = getattr(meta, "type_name", None) or field_types.get(("vartype", name))
        kept_attributes.append(Entry(name, _parsed_type(type_name), (meta.description or "").strip()))
    known_attributes = set(attributes)
    merged.attributes = kept_attributes + [a for a in fresh.attributes if a.name not in known_attributes]
    return merged, extra


def _parsed_type(type_name: str | None) -> str | None:
    """A type as docstring_parser read it, without numpydoc's "optional" marker."""
    if not type_name:
        return None
    cleaned = re.sub(r",?\s*optional$", "", type_name.strip()).strip()
    return clean_type(cleaned) if cleaned else None


def _merge_result(fresh: Entry | None, old) -> Entry | None:
    if old is None:
        return fresh
    type_name = _parsed_type(old.type_name) or (fresh.type if fresh else None)
    if type_name == "result":  # our own placeholder line for an untyped numpy return
        type_name = fresh.type if fresh else None
    human = (old.description or "").strip()
    return Entry("", type_name, human or (fresh.description if fresh else ""), written=not human)


# --- the edit --------------------------------------------------------------------------------------


def _lines(source: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", source)


def newline_of(source: str) -> str:
    """The file's line ending."""
    match = re.search(r"\r\n|\r|\n", source)
    return match.group(0) if match else "\n"


def indent_unit(source: str) -> str:
    """The file's indentation step: a tab, or its smallest run of leading spaces (default four)."""
    widths = []
    for line in _lines(source):
        if line.startswith("\t") and line.strip():
            return "\t"
        stripped = line.lstrip(" ")
        if stripped and not stripped.startswith("#") and len(line) > len(stripped):
            widths.append(len(line) - len(stripped))
    return " " * min(widths) if widths else "    "


def quote_of(source: str, definitions: list[Definition]) -> str:
    """The quotes the file's docstrings use (``\"\"\"`` unless they prefer ``'''``)."""
    lines = _lines(source)
    single = double = 0
    for d in definitions:
        if d.docstring_span is not None:
            text = lines[d.docstring_span.start_line][d.docstring_span.start_col :]
            body = text.lstrip("rRuU")
            single += body.startswith("'''")
            double += body.startswith('"""')
    return "'''" if single > double else '"""'


def _escape_char(character: str) -> str:
    code = ord(character)
    if character == "\\":
        return "\\\\"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _needs_escape(character: str) -> bool:
    """Characters a literal cannot hold as themselves: backslash, controls other than tab and
    newline (a CR would be read back as a newline), line/paragraph separators and surrogates."""
    if character in "\t\n":
        return False
    return character == "\\" or unicodedata.category(character) in ("Cc", "Zl", "Zp", "Cs")


def _raw_safe(content: str, quote: str) -> bool:
    """Whether a raw literal can hold ``content`` unchanged."""
    return (
        quote not in content
        and "\\" + quote[0] not in content
        and not content.endswith(("\\", quote[0]))
        and not any(_needs_escape(c) for c in content if c != "\\")
    )


def escape_docstring(content: str, quote: str) -> str:
    """``content`` escaped for a non-raw ``quote``-delimited literal: backslashes and unprintable
    characters escaped, every quote character in a run of three or more (and at the very end)
    escaped, so that no text can close the literal early."""
    escaped = "".join(_escape_char(c) if _needs_escape(c) else c for c in content)
    mark = re.escape(quote[0])
    return re.sub(f"{mark}{{3,}}|{mark}+$", lambda m: ("\\" + quote[0]) * len(m.group(0)), escaped)


def make_literal(content: str, indent: str, quote: str, newline: str, raw: bool = False) -> str:
    """A docstring literal whose value is ``content`` (plus the indentation of its lines), for any
    text: one line when short and simple, else closing quotes on their own line. A raw literal is
    kept (or used for backslashes) only when it can hold the text unchanged."""
    use_raw = (raw or "\\" in content) and _raw_safe(content, quote)
    prefix = "r" if use_raw else ""
    if not use_raw:
        content = escape_docstring(content, quote)
    lines = content.split("\n")
    if len(lines) == 1 and not content.endswith(quote[0]):
        return f"{prefix}{quote}{content}{quote}"
    body = [lines[0]] + [indent + line if line.strip() else "" for line in lines[1:]]
    return prefix + quote + newline.join(body) + newline + indent + quote


def _line_indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _body_indent(source_lines: list[str], definition: Definition, unit: str) -> str:
    suite = definition.node.children[-1]
    if suite.type == "suite":
        for child in suite.children:
            if child.type not in ("newline", "indent", "dedent"):
                line = source_lines[child.start_pos[0] - 1]
                return _line_indent(line)
    return _line_indent(source_lines[definition.span.start_line]) + unit


def _describe(facts: Facts, descriptions: Mapping[str, str]) -> None:
    """Put the descriptions that evidence gave (by parameter name, ``RETURN_KEY`` for the return or
    yield value) in place of those derived from names; every description here is hoverdoc's."""
    for entry in [*facts.params, facts.returns, facts.yields, *facts.raises, *facts.attributes]:
        if entry is not None:
            entry.written = True
    for param in facts.params:
        if descriptions.get(param.name):
            param.description = descriptions[param.name]
    returned = facts.returns or facts.yields
    if returned is not None and descriptions.get(RETURN_KEY):
        returned.description = descriptions[RETURN_KEY]


def compose_docstring(
    source: str,
    definition: Definition,
    summary: str,
    style: str = "google",
    definitions: list[Definition] | None = None,
    param_descriptions: Mapping[str, str] | None = None,
) -> DocstringResult:
    """The docstring for ``definition`` and the edit that inserts or updates it in ``source``;
    ``param_descriptions`` (how the workspace documents parameters of the same name, the model's
    descriptions; ``RETURN_KEY`` for the return value) replace the descriptions derived from names,
    never the ones a docstring already has."""
    if style not in STYLES:
        raise ValueError(f"unknown docstring style {style!r}; choose one of {', '.join(STYLES)}")
    definitions = definitions if definitions is not None else extract(source)
    source_lines = _lines(source)
    fresh = facts_for(definition, definitions)
    _describe(fresh, param_descriptions or {})
    indent = _body_indent(source_lines, definition, indent_unit(source))
    if definition.docstring is not None and definition.docstring_span is not None:
        return _update(source_lines, newline_of(source), definition, fresh, summary, style, indent)
    return _insert(
        source,
        source_lines,
        definition,
        definitions,
        DocModel(summary.strip() or fallback_summary(definition), "", fresh),
        style,
        indent,
    )


def _update(
    source_lines: list[str],
    newline: str,
    definition: Definition,
    fresh: Facts,
    summary: str,
    style: str,
    indent: str,
) -> DocstringResult:
    """The edit that brings an existing docstring up to date, in its own style, keeping what a
    person wrote."""
    assert definition.docstring is not None and definition.docstring_span is not None
    parsed, existing_style = parse_existing(definition.docstring)
    chosen = existing_style or style
    span = definition.docstring_span
    raw_text = _span_text(source_lines, span, newline)
    if chosen == "pep257":
        return DocstringResult(raw_text, None, "none", chosen)
    facts, extra = _merge(fresh, parsed)
    summary_text = (parsed.short_description or "").strip() or summary
    model = DocModel(summary_text, (parsed.long_description or "").strip(), facts, extra)
    prefix = re.match(r"[a-zA-Z]*", raw_text).group(0)
    opening = raw_text[len(prefix) : len(prefix) + 3]
    form = _LiteralForm(
        chosen, indent, opening if opening in ('"""', "'''") else '"""', newline, "r" in prefix.lower()
    )
    literal = make_literal(render(model, chosen), indent, form.quote, newline, raw=form.raw)
    if literal == raw_text:
        return DocstringResult(literal, None, "none", chosen, indent)
    edit = TextEdit(span.start_line, span.start_col, span.end_line, span.end_col, literal)
    edit.snippet = snippet_literal(model, not parsed.short_description, form, literal)
    return DocstringResult(literal, edit, "update", chosen, indent)


def _insert(
    source: str,
    source_lines: list[str],
    definition: Definition,
    definitions: list[Definition],
    model: DocModel,
    style: str,
    indent: str,
) -> DocstringResult:
    """The edit that inserts a new docstring after the definition's colon."""
    newline = newline_of(source)
    quote = quote_of(source, definitions)
    literal = make_literal(render(model, style), indent, quote, newline)
    node = definition.node
    colon = node.children[-2]
    suite = node.children[-1]
    if suite.type == "suite":
        line = colon.end_pos[0]  # 1-based line of the colon: insert at the start of the next line
        after = newline
        if definition.kind == "class" and line < len(source_lines) and source_lines[line].strip():
            after += newline  # a blank line after a class docstring, as black writes it
        edit = TextEdit(line, 0, line, 0, indent + literal + after)
    else:  # "def f(): return x" -> split the body onto its own line
        first = suite.get_first_leaf()
        start = (colon.end_pos[0] - 1, colon.end_pos[1])
        end = (first.start_pos[0] - 1, first.start_pos[1])
        edit = TextEdit(start[0], start[1], end[0], end[1], newline + indent + literal + newline + indent)
    snippet = snippet_literal(model, True, _LiteralForm(style, indent, quote, newline, False), literal)
    edit.snippet = edit.new_text.replace(literal, snippet, 1)  # the rest is whitespace: no escaping
    return DocstringResult(literal, edit, "insert", style, indent)


# --- snippets ------------------------------------------------------------------------------------

# Private-use characters around a tab stop's number while the docstring is rendered (never escaped
# by make_literal, never in a description).
_STOP_OPEN, _STOP_CLOSE = "\ue000", "\ue001"


@dataclass(frozen=True)
class _LiteralForm:
    """How a docstring's content becomes its literal."""

    style: str
    indent: str
    quote: str
    newline: str
    raw: bool


def _snippet_escape(text: str) -> str:
    """``text`` as literal snippet text: ``\\``, ``$`` and ``}`` escaped (LSP snippet grammar)."""
    return re.sub(r"([\\$}])", r"\\\1", text)


def snippet_literal(model: DocModel, summary_written: bool, form: _LiteralForm, literal: str) -> str:
    """``literal`` (the docstring as the plain edit writes it) as an LSP snippet in which every text
    hoverdoc wrote (the summary when it is not a person's, the descriptions it derived or found) is a
    tab stop, in order, with the text as its placeholder; what a person wrote is plain text. The
    stops are marked around the real text before the literal is made, so escaping and the raw prefix
    are decided on the very same text; if the marked literal is not the plain one once the marks are
    dropped, the snippet has no tab stops rather than different text."""
    marked = copy.deepcopy(model)

    def stop(text: str) -> str:
        return f"{_STOP_OPEN}{text}{_STOP_CLOSE}" if text.strip() else text

    if summary_written:
        marked.summary = stop(marked.summary)
    facts = marked.facts
    for entry in [*facts.params, facts.returns, facts.yields, *facts.raises, *facts.attributes]:
        if entry is not None and entry.written:
            entry.description = stop(entry.description)
    with_stops = make_literal(render(marked, form.style), form.indent, form.quote, form.newline, form.raw)
    if with_stops.replace(_STOP_OPEN, "").replace(_STOP_CLOSE, "") != literal:
        return _snippet_escape(literal)
    parts = re.split(f"{_STOP_OPEN}(.*?){_STOP_CLOSE}", with_stops, flags=re.DOTALL)
    out, number = [], 0
    for index, part in enumerate(parts):
        if index % 2 == 0:
            out.append(_snippet_escape(part))
        else:
            number += 1
            out.append("${" + str(number) + ":" + _snippet_escape(part) + "}")
    return "".join(out)


def _span_text(lines: list[str], span, newline: str) -> str:
    if span.start_line == span.end_line:
        return lines[span.start_line][span.start_col : span.end_col]
    parts = [
        lines[span.start_line][span.start_col :],
        *lines[span.start_line + 1 : span.end_line],
        lines[span.end_line][: span.end_col],
    ]
    return newline.join(parts)


def apply_edit(source: str, edit: TextEdit) -> str:
    """``source`` with ``edit`` applied (positions as in ``TextEdit``)."""
    offsets = [0]
    for match in re.finditer(r"\r\n|\r|\n", source):
        offsets.append(match.end())

    def offset(line: int, col: int) -> int:
        if line >= len(offsets):
            return len(source)
        return offsets[line] + col

    return (
        source[: offset(edit.start_line, edit.start_col)]
        + edit.new_text
        + source[offset(edit.end_line, edit.end_col) :]
    )


def needs_update(definition: Definition) -> bool:
    """Whether a documented definition's docstring names other parameters than its signature."""
    if definition.docstring is None or definition.kind == "class":
        return False
    documented = documented_params(definition.docstring)
    if documented is None:
        return False
    expected = [e.name for e in facts_for(definition, []).params]
    return documented != expected
