"""The one docstring parser: docstring_parser in any style (Google, NumPy, reST, Epytext), found
automatically, with a Google parser that knows every Napoleon section.

docstring_parser's own Google parser knows Args, Returns, Raises and a few more; a "Note:" or
"Keyword Args:" section is swallowed by the section before it, so an update built on that parse would
drop it. Here those sections are text sections, kept verbatim. The workspace index (parameter and
return descriptions) and the docstring composer both parse through ``parse_docstring``.
"""

from __future__ import annotations

import re

import docstring_parser
from docstring_parser import DocstringStyle
from docstring_parser.google import DEFAULT_SECTIONS as GOOGLE_SECTIONS
from docstring_parser.google import GoogleParser, Section, SectionType
from docstring_parser.numpydoc import DEFAULT_SECTIONS as NUMPY_SECTIONS
from docstring_parser.numpydoc import ExamplesSection, NumpydocParser
from docstring_parser.numpydoc import Section as NumpySection

GOOGLE_TEXT_SECTIONS = (
    "Attention", "Caution", "Danger", "Error", "Hint", "Important", "Keyword Args", "Keyword Arguments",
    "Methods", "Note", "Notes", "Other Parameters", "References", "See Also", "Tip", "Todo", "Warning",
    "Warnings", "Warns",
)  # fmt: skip
# the text sections that document parameters, one "name (type): text" entry per line
PARAMETER_TEXT_SECTIONS = ("Keyword Args", "Keyword Arguments", "Other Parameters")
_ENTRY_NAME = re.compile(r"^\s*\**([A-Za-z_]\w*)\s*(?:\([^)]*\))?\s*:", re.MULTILINE)

_GOOGLE_PARSER = GoogleParser(
    sections=[
        # "Example:" keeps its own key, so an update writes back the title the author chose (with
        # docstring_parser's shared "examples" key it came back as "Examples:")
        *(Section(s.title, "example", s.type) if s.title == "Example" else s for s in GOOGLE_SECTIONS),
        *(
            Section(title, title.lower().replace(" ", "_"), SectionType.SINGULAR)
            for title in GOOGLE_TEXT_SECTIONS
        ),
    ]
)


def _own_key(section: NumpySection) -> NumpySection:
    """A NumPy text section keyed by its own title: docstring_parser gives "Note" and "Notes" (and
    "Example" and "Examples", "Warning" and "Warnings") one key, so an update wrote back the other."""
    if type(section) in (NumpySection, ExamplesSection):
        return type(section)(section.title, section.title.lower().replace(" ", "_"))
    return section


_NUMPY_PARSER = NumpydocParser(sections=[_own_key(s) for s in NUMPY_SECTIONS])


def parse_docstring(docstring: str) -> docstring_parser.Docstring:
    """``docstring_parser.parse`` with the style found automatically (the parse with the most
    sections wins, as docstring_parser decides), its Google parser knowing every Napoleon section.
    Raises ``docstring_parser.ParseError`` when no style parses."""
    parsers = {
        DocstringStyle.REST: docstring_parser.rest.parse,
        DocstringStyle.GOOGLE: _GOOGLE_PARSER.parse,
        DocstringStyle.NUMPYDOC: _NUMPY_PARSER.parse,
        DocstringStyle.EPYDOC: docstring_parser.epydoc.parse,
    }
    found, error = [], None
    for style, parse in parsers.items():
        try:
            parsed = parse(docstring)
        except docstring_parser.ParseError as failure:
            error = failure
            continue
        parsed.style = style
        found.append(parsed)
    if not found:
        raise error or docstring_parser.ParseError("unparseable docstring")
    return sorted(found, key=lambda d: len(d.meta), reverse=True)[0]


def section_title(meta: docstring_parser.DocstringMeta) -> str:
    """A parsed section's title as written ("keyword_args" -> "Keyword Args")."""
    return (meta.args[0] if meta.args else "").replace("_", " ").title()


def documented_in_text_sections(sections: list[tuple[str, str]]) -> set[str]:
    """Parameter names that (title, text) sections such as "Keyword Args:" document, one per entry."""
    return {
        match.group(1)
        for title, text in sections
        if title in PARAMETER_TEXT_SECTIONS
        for match in _ENTRY_NAME.finditer(text)
    }
