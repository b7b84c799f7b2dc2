"""The summary rule (what a docstring's summary is) and the clean-up of model output."""

from __future__ import annotations

import re

# reST roles: :func:`name`, :class:`~pkg.Name`, :ref:`title <target>`
_ROLE = re.compile(r":(?:[a-zA-Z_][\w.-]*:)+`(?P<body>[^`]+)`")
_LITERAL = re.compile(r"``(?P<body>[^`]+)``")
_INTERPRETED = re.compile(r"(?<!`)`(?P<body>[^`]+)`_{0,2}(?!`)")
_STRONG = re.compile(r"\*\*(?P<body>[^*\n]+)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?P<body>[^*\s][^*\n]*?)\*(?![\w*])")
_MD_LINK = re.compile(r"\[(?P<body>[^\]]+)\]\([^)]*\)")
# epytext inline markup: L{twisted.internet}, C{None}, I{text}, U{title <url>}; E{lb} and E{rb} are braces
_EPYTEXT = re.compile(r"\b(?P<kind>[BCILMSUX])\{(?P<body>[^{}]*)\}")
_EPYTEXT_ESCAPE = re.compile(r"\bE\{(?P<name>lb|rb)\}")
_ABBREVIATIONS = (
    "e.g.",
    "i.e.",
    "etc.",
    "vs.",
    "cf.",
    "approx.",
    "resp.",
    "Mr.",
    "Dr.",
    "no.",
    "St.",
    "et al.",
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'`])")
_SECTION_HEADER = re.compile(
    r"^\s*(Args|Arguments|Parameters|Params|Returns?|Yields?|Raises|Examples?|Notes?|Attributes|"
    r"See Also|References|Warnings?|Todo|Usage)\s*:?\s*$",
    re.IGNORECASE,
)
_FIELD_LINE = re.compile(r"^\s*(:param|:type|:returns?:|:rtype:|:raises?|@param|@return|>>>)")


def _role_text(match: re.Match) -> str:
    body = match.group("body")
    titled = re.match(r"(?P<title>.+?)\s*<[^>]+>$", body)
    if titled:
        return titled.group("title")
    body = body.strip().lstrip("!")
    if body.startswith("~"):  # Sphinx shows only the last component of ~a.b.c
        return body[1:].rsplit(".", 1)[-1]
    return body


def _strip_epytext(text: str) -> str:
    previous = None
    while previous != text:  # inner markup first: B{see L{x}}
        previous = text
        text = _EPYTEXT.sub(_role_text, text)
    return _EPYTEXT_ESCAPE.sub(lambda m: "{" if m.group("name") == "lb" else "}", text)


def strip_markup(text: str) -> str:
    """Remove reST roles and literals, epytext markup and markdown emphasis and links, keeping their text."""
    text = _ROLE.sub(_role_text, text)
    text = _strip_epytext(text)
    text = _LITERAL.sub(lambda m: m.group("body"), text)
    text = _INTERPRETED.sub(_role_text, text)
    text = _STRONG.sub(lambda m: m.group("body"), text)
    text = _EMPHASIS.sub(lambda m: m.group("body"), text)
    text = _MD_LINK.sub(lambda m: m.group("body"), text)
    return text


def first_paragraph(docstring: str) -> str:
    """The docstring's first paragraph on one line (stops at a blank line or a section header)."""
    lines: list[str] = []
    for line in docstring.strip().splitlines():
        if not line.strip():
            if lines:
                break
            continue
        if _SECTION_HEADER.match(line) or _FIELD_LINE.match(line):
            break
        lines.append(line.strip())
    return " ".join(lines)


def first_sentence(text: str) -> str:
    """The first sentence of one paragraph of prose (abbreviations such as "e.g." don't end it)."""
    protected = text
    for i, abbreviation in enumerate(_ABBREVIATIONS):
        protected = protected.replace(abbreviation, f"\x00{i}\x00")
    sentence = _SENTENCE_END.split(protected, maxsplit=1)[0]
    for i, abbreviation in enumerate(_ABBREVIATIONS):
        sentence = sentence.replace(f"\x00{i}\x00", abbreviation)
    return sentence.strip()


# what an editor's docstring template leaves until someone writes the text (autoDocstring's
# "_summary_", "[description]"), and markers that say the text is still to come ("TODO: ...")
_PLACEHOLDER_WORDS = frozenset(
    {"summary", "description", "short", "long", "extended", "docstring", "type", "placeholder", "brief"}
)
_BARE_PLACEHOLDERS = frozenset({"summary", "description", "docstring", "placeholder"})
# a marker in capitals, as written to be found again ("TODO write this"), or in any case followed by
# punctuation or nothing ("Todo." but not "Todo list for the user.")
_MARKER = re.compile(r"^\W*((TODO|FIXME|XXX|TBD|TBA)(\s|[:.!(]|$)|(?i:todo|fixme|xxx|tbd|tba)\s*([:.!(]|$))")
_WORDS = re.compile(r"[^\W\d_]+")  # letters of any script


def is_placeholder(text: str) -> bool:
    """Whether a summary or parameter description is no text yet: no words at all ("...", "-"), a
    template's placeholder ("_summary_", "[description]", "Summary.") or a marker ("TODO",
    "FIXME: write this"); not prose that starts with such a word ("Todo list of the user.")."""
    words = _WORDS.findall(text.lower())
    if not words or _MARKER.match(text):
        return True
    if not all(word in _PLACEHOLDER_WORDS for word in words) or len(words) > 3:
        return False
    return any(mark in text for mark in "_[<") or (len(words) == 1 and words[0] in _BARE_PLACEHOLDERS)


def summarize_docstring(docstring: str | None) -> str:
    """The summary of a docstring: the first sentence of its first paragraph, markup stripped."""
    if not docstring:
        return ""
    paragraph = strip_markup(first_paragraph(docstring))
    paragraph = re.sub(r"\s+", " ", paragraph).strip()
    sentence = first_sentence(paragraph)
    if sentence.endswith("::"):
        sentence = sentence[:-1]
    return sentence


_WORD = re.compile(r"[A-Za-z0-9]+")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def polish(prediction: str, code: str = "") -> str:
    """Make raw model output presentable: identifiers from the code regain their spelling and
    case (an uncased tokenizer writes ``get _ user`` for ``get_user``), the first letter is
    capitalised and the sentence ends with a full stop."""
    text = re.sub(r"\s+", " ", prediction).strip()
    if not text:
        return text
    if code:
        text = _restore_identifiers(text, code)
    text = _tidy_spacing(text)
    if not text:  # nothing left once empty quotes and stray spacing are tidied away ('""')
        return text
    if text[0].isalpha() and text[0].islower() and not _looks_like_identifier_start(text, code):
        text = text[0].upper() + text[1:]
    if text[-1] not in ".!?":
        text += "."
    return text


# an uncased model writes "url"; shown the way people write them (scores lower-case everything anyway)
_ACRONYMS = {
    w: w.upper()
    for w in (
        "url",
        "urls",
        "uri",
        "uris",
        "json",
        "http",
        "https",
        "api",
        "apis",
        "xml",
        "html",
        "csv",
        "sql",
        "utf",
        "ascii",
        "ssl",
        "tls",
        "tcp",
        "udp",
        "uuid",
        "yaml",
        "toml",
        "pdf",
        "png",
        "jpeg",
        "dns",
        "ftp",
        "ssh",
        "cli",
        "ast",
        "lsp",
        "onnx",
        "rgb",
        "cpu",
        "gpu",
        "ram",
        "smtp",
        "imap",
        "mime",
        "html5",
        "jwt",
        "oauth",
        "xsrf",
        "csrf",
    )
}
_ACRONYMS.update({"urls": "URLs", "uris": "URIs", "apis": "APIs", "id": "ID", "ids": "IDs", "oauth": "OAuth"})
_ACRONYM = re.compile(r"\b(" + "|".join(sorted(_ACRONYMS, key=len, reverse=True)) + r")\b")
_STUTTER = re.compile(r"\b(\w+)(?:\s+\1\b)+", re.IGNORECASE)


def _tidy_spacing(text: str) -> str:
    """Undo WordPiece spacing ("key - value", "it ' s", "( x )") and collapse stutters ("url url")."""
    text = re.sub(r"(?<=\w) ' (?=(s|t|re|ve|ll|d)\b)", "'", text)
    text = re.sub(r"([\"'`])\s+([^\"'`]*?)\s+\1", r"\1\2\1", text)  # " name " -> "name"
    text = re.sub(r"(?:[\"'`]\s*){2,}(?=[.,;:!?]|\s|$)", "", text)  # runs of quotes with nothing inside
    text = re.sub(r"\s+([.,;:!?)\]}])", r"\1", text)
    text = re.sub(r"([(\[{])\s+", r"\1", text)
    text = re.sub(r"(?<=\w) - (?=\w)", "-", text)
    text = re.sub(r"(?<=\w) / (?=\w)", "/", text)
    text = re.sub(r"(?<=\w) _ (?=\w)", "_", text)  # an identifier the code doesn't spell out
    text = re.sub(r"(?<=\w) \(\)", "()", text)
    text = re.sub(r"\s{2,}", " ", text).strip()
    text = _STUTTER.sub(r"\1", text)
    return _ACRONYM.sub(lambda m: _ACRONYMS[m.group(1)], text)


def _looks_like_identifier_start(text: str, code: str) -> bool:
    word = re.match(r"[A-Za-z_][A-Za-z0-9_.]*", text)
    return bool(word and ("_" in word.group(0) or "." in word.group(0)) and word.group(0) in code)


def _restore_identifiers(text: str, code: str) -> str:
    """Replace spaced or lower-cased spellings of identifiers that occur in ``code``."""
    found: set[str] = set()
    for match in _IDENTIFIER.finditer(code):
        found.add(match.group(0))
        found.update(match.group(0).split("."))  # self.DataFrame.keys also names DataFrame
    identifiers = sorted((i for i in found if len(i) > 2), key=len, reverse=True)
    lowered = text.lower()
    for identifier in identifiers:
        compound = "_" in identifier or "." in identifier or any(c.isupper() for c in identifier[1:])
        if not compound:
            continue  # "list" must not become "List" because the code mentions typing.List
        parts = re.split(r"[._]", identifier)
        if not all(part.lower() in lowered for part in parts):
            continue  # cannot match; compiling a pattern per identifier was most of polish's time
        spaced = r"\s*([._])\s*".join(re.escape(part) for part in parts)
        pattern = re.compile(rf"(?<![\w.]){spaced}(?![\w])", re.IGNORECASE)
        text = pattern.sub(lambda _m, ident=identifier: ident, text)
        lowered = text.lower()
    return text
