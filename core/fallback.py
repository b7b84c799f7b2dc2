"""Summaries derived from names and code, for when no model can run, and for the kinds of
definition a model's manifest leaves to them (``Manifest.name_summary_kinds``).

Wherever a fallback summary is shown it is marked as such (see ``FALLBACK_LABEL``), and a summary of
a kind the model does not write by ``NAME_SUMMARY_LABEL``.
"""

from __future__ import annotations

import re

from .extract import Definition

FALLBACK_LABEL = "fallback: derived from the name, no model"
NAME_SUMMARY_LABEL = "derived from the name: scored above the model's summaries of this kind"

_SPLIT_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

# first word of a name -> how the summary starts
VERBS = {
    "get": "Return",
    "fetch": "Fetch",
    "find": "Find",
    "set": "Set",
    "add": "Add",
    "remove": "Remove",
    "delete": "Delete",
    "del": "Delete",
    "update": "Update",
    "load": "Load",
    "read": "Read",
    "write": "Write",
    "save": "Save",
    "dump": "Dump",
    "parse": "Parse",
    "make": "Make",
    "create": "Create",
    "build": "Build",
    "new": "Create",
    "init": "Initialize",
    "initialize": "Initialize",
    "compute": "Compute",
    "calc": "Calculate",
    "calculate": "Calculate",
    "count": "Count",
    "check": "Check",
    "validate": "Validate",
    "ensure": "Ensure",
    "handle": "Handle",
    "process": "Process",
    "run": "Run",
    "start": "Start",
    "stop": "Stop",
    "open": "Open",
    "close": "Close",
    "send": "Send",
    "receive": "Receive",
    "recv": "Receive",
    "register": "Register",
    "reset": "Reset",
    "clear": "Clear",
    "format": "Format",
    "render": "Render",
    "convert": "Convert",
    "normalize": "Normalize",
    "split": "Split",
    "join": "Join",
    "merge": "Merge",
    "sort": "Sort",
    "filter": "Filter",
    "apply": "Apply",
    "call": "Call",
    "emit": "Emit",
    "log": "Log",
    "print": "Print",
    "show": "Show",
    "list": "List",
    "iter": "Iterate over",
    "generate": "Generate",
    "gen": "Generate",
    "copy": "Copy",
    "clone": "Clone",
    "encode": "Encode",
    "decode": "Decode",
    "resolve": "Resolve",
    "search": "Search",
    "lookup": "Look up",
    "wait": "Wait for",
    "try": "Try to",
    "do": "Do",
    "use": "Use",
    "visit": "Visit",
    "on": "Handle",
}
_PREDICATES = {
    "is": "is",
    "has": "has",
    "can": "can",
    "should": "should",
    "needs": "needs",
    "supports": "supports",
}


def split_name(name: str) -> list[str]:
    """Words of an identifier: ``get_userName`` -> ["get", "user", "name"]; acronyms kept."""
    words = []
    for part in name.strip("_").split("_"):
        for word in _SPLIT_CAMEL.split(part):
            if word:
                words.append(word if (word.isupper() and len(word) > 1) else word.lower())
    return words


def name_as_sentence(name: str) -> str:
    """The naive baseline: the name's words as a sentence (``get_user_name`` -> "Get user name.")."""
    words = split_name(name.rsplit(".", 1)[-1])
    if not words:
        return ""
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _phrase(words: list[str]) -> str:
    return " ".join(words)


# words spelled with a vowel but said with a consonant ("a user", "a url", "a UDP" written "udp"): by
# prefix, then whole words; and words spelled with a consonant but said with a vowel
_SAID_WITH_A_CONSONANT = (
    *("unit", "union", "unique", "univers", "uniform", "unicode", "unicast", "unix", "use", "usa", "usu"),
    *("uti", "uri", "url", "uuid", "utf", "utc", "udp", "usb", "euro", "eucl", "eula", "unary", "unif"),
    *("unis", "uniq", "unicorn", "uint", "ulong", "ushort", "uid", "ufunc", "usr", "uv", "uw", "oneshot"),
)
_SAID_WITH_A_CONSONANT_WORDS = ("one", "once", "ui", "ux", "uk", "us")
_SAID_WITH_A_VOWEL = ("hour", "honest", "honor", "honour", "heir")


def _article(word: str) -> str:
    """ "a" or "an" for a word (by how it is said: its first letter, a few known exceptions, and
    acronyms by how they are spelled out)."""
    lowered = word.lower()
    if (word.isupper() or not set(lowered) & set("aeiouy")) and len(word) > 1:  # "http" is said as HTTP
        return "an" if lowered[0] in "aefhilmnorsx" else "a"
    if lowered.startswith(_SAID_WITH_A_CONSONANT) or lowered in _SAID_WITH_A_CONSONANT_WORDS:
        return "a"
    if lowered.startswith(_SAID_WITH_A_VOWEL):
        return "an"
    return "an" if lowered[:1] in "aeiou" else "a"


def fallback_summary(definition: Definition) -> str:
    """A one-sentence summary built from the definition's name, kind and code."""
    name = definition.name
    owner = definition.parent.rsplit(".", 1)[-1] if definition.parent else None
    if definition.kind == "class":
        words = split_name(name)
        if any(
            base.endswith(("Error", "Exception", "Warning")) for base in definition.bases
        ) or name.endswith(("Error", "Exception")):
            rest = [w for w in words if w.lower() not in ("error", "exception")]
            return f"Error raised for {_phrase(rest) or 'a failure'}." if rest else "An exception."
        return f"{_article(words[0]).capitalize()} {_phrase(words)}." if words else "A class."
    if name == "__init__":
        return f"Initialize the {_phrase(split_name(owner))}." if owner else "Initialize the object."
    if name.startswith("__") and name.endswith("__"):
        return _dunder_summary(name, owner)
    words = split_name(name)
    if not words:
        return "A function."
    first, rest = words[0], words[1:]
    is_generator = _is_generator(definition)
    if "property" in definition.decorators or "cached_property" in definition.decorators:
        return f"The {_phrase(words)}."
    if first in _PREDICATES and rest:
        subject = "the object" if owner else "it"
        return f"Return whether {subject} {_PREDICATES[first]} {_phrase(rest)}."
    if first == "to" and rest:
        return f"Convert to {_phrase(rest)}."
    if first == "from" and rest:
        return f"Create from {_phrase(rest)}."
    if first in VERBS:
        verb = "Yield" if (first == "get" and is_generator) else VERBS[first]
        if not rest:
            params = [p.name for p in definition.params if p.name not in ("self", "cls")]
            return f"{verb} the {_phrase(split_name(params[0]))}." if params else f"{verb}."
        article = "" if rest[-1].endswith("s") or first in ("on", "try", "wait") else "the "
        return f"{verb} {article}{_phrase(rest)}."
    if is_generator:
        return f"Yield the {_phrase(words)}."
    if words[-1].endswith("s") and not words[-1].endswith("ss") or first.endswith(("ize", "ify", "ate")):
        return f"{words[0].capitalize()} {_phrase(rest)}.".replace(" .", ".")
    return f"Return the {_phrase(words)}."


_DUNDERS = {
    "__repr__": "Return the representation of the {owner}.",
    "__str__": "Return the string form of the {owner}.",
    "__eq__": "Return whether the {owner} equals another.",
    "__hash__": "Return the hash of the {owner}.",
    "__len__": "Return the number of items.",
    "__iter__": "Iterate over the items.",
    "__call__": "Call the {owner}.",
    "__enter__": "Enter the context.",
    "__exit__": "Exit the context.",
    "__getitem__": "Return the item for a key.",
    "__setitem__": "Set the item for a key.",
    "__contains__": "Return whether an item is contained.",
}


def _dunder_summary(name: str, owner: str | None) -> str:
    owner_words = _phrase(split_name(owner)) if owner else "object"
    template = _DUNDERS.get(name)
    if template:
        return template.format(owner=owner_words)
    return f"Implement {name} for the {owner_words}."


def _is_generator(definition: Definition) -> bool:
    node = definition.node
    try:
        return node.type == "funcdef" and node.is_generator()
    except AttributeError:
        return False
