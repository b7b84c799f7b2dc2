"""The summary rule, the clean-up of model output, and the name-based fallback."""

from __future__ import annotations

import pytest

from hoverdoc.core.extract import extract
from hoverdoc.core.fallback import fallback_summary, name_as_sentence, split_name
from hoverdoc.core.summary import polish, summarize_docstring


@pytest.mark.parametrize(
    ("docstring", "summary"),
    [
        ("Return the user name.\n\nLonger text.", "Return the user name."),
        ("Return the user name. Also does more.", "Return the user name."),
        ("Compute e.g. the mean of values. Then stop.", "Compute e.g. the mean of values."),
        ("Fetch rows from\n    the table over two lines.\n", "Fetch rows from the table over two lines."),
        ("Call :func:`os.path.join` on ``parts``.", "Call os.path.join on parts."),
        ("See :class:`~pkg.Thing` and :ref:`the guide <guide>`.", "See Thing and the guide."),
        ("Use **bold** and *emphasis* and [a link](http://x).", "Use bold and emphasis and a link."),
        ("Construct a L{Team} that returns C{None}.", "Construct a Team that returns None."),
        (
            "See L{the docs <twisted.internet>} and B{I{nested}} E{lb}x E{rb}.",
            "See the docs and nested {x }.",
        ),
        ("A dict like {a: 1} or RFC{1} stays.", "A dict like {a: 1} or RFC{1} stays."),
        ("Args:\n    x: Nothing.", ""),
        ("Parse the value::\n\n    >>> parse(1)", "Parse the value:"),
        ("", ""),
    ],
)
def test_summary_rule(docstring, summary):
    assert summarize_docstring(docstring) == summary


def test_polish_restores_identifiers_capitalises_and_ends_sentence():
    code = "def get_user_name(user_id):\n    return lookup(user_id).display_name"
    assert polish("return the display _ name of user _ id", code) == "Return the display_name of user_id."
    assert polish("  returns the value  ", "") == "Returns the value."
    assert polish("", code) == ""


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def get_user_name(user):\n    return user.name", "Return the user name."),
        ("def is_valid(self):\n    return True", "Return whether it is valid."),
        ("def to_json(self):\n    return {}", "Convert to json."),
        ("def load_config(path):\n    pass", "Load the config."),
        ("def iter_lines(f):\n    yield from f", "Iterate over lines."),
        ("def user_name(user):\n    return user.name", "Return the user name."),
        ("class HTTPError(Exception):\n    pass", "Error raised for HTTP."),
        ("class Invoice:\n    pass", "An invoice."),
        ("class UserCache:\n    pass", "A user cache."),  # by how a word is said
        ("class UrlMap:\n    pass", "A url map."),
        ("class UnknownKey:\n    pass", "An unknown key."),
        ("class HourGlass:\n    pass", "An hour glass."),
        ("class UdpSocket:\n    pass", "A udp socket."),
        ("class UiPanel:\n    pass", "A ui panel."),
        ("class EulerStep:\n    pass", "An euler step."),
        ("class UninstalledPackage:\n    pass", "An uninstalled package."),
        ("class UnaryOp:\n    pass", "A unary op."),
        ("class HttpServer:\n    pass", "An http server."),  # no vowel: said letter by letter, as HTTP
        ("class SQLTable:\n    pass", "An SQL table."),
        ("def read(number):\n    pass", "Read the number."),
    ],
)
def test_fallback_summary(source, expected):
    (definition,) = extract(source)
    assert fallback_summary(definition) == expected


def test_fallback_for_init_and_dunders_uses_the_class():
    definitions = {
        d.qualname: d
        for d in extract(
            "class UserStore:\n    def __init__(self):\n        pass\n    def __repr__(self):\n        return ''\n"
        )
    }
    assert fallback_summary(definitions["UserStore.__init__"]) == "Initialize the user store."
    assert (
        fallback_summary(definitions["UserStore.__repr__"]) == "Return the representation of the user store."
    )


def test_name_baseline_and_splitting():
    assert name_as_sentence("get_user_name") == "Get user name."
    assert name_as_sentence("Store.parseHTTPResponse") == "Parse HTTP response."
    assert split_name("__private_thing__") == ["private", "thing"]


def test_polish_tidies_wordpiece_spacing_and_stutters():
    code = "def items(self) -> List[str]:\n    return self.DataFrame.keys()"
    assert polish("return a list of key - value pairs", code) == "Return a list of key-value pairs."
    assert (
        polish("return the url url of the current current current state", "")
        == "Return the URL of the current state."
    )
    assert polish("wrap the dataframe ( if any )", code) == "Wrap the DataFrame (if any)."
    assert polish("check the user ' s name", "") == "Check the user's name."
    assert polish("the user ' s name and the group ' s id", "") == "The user's name and the group's ID."
    assert (
        polish("returns the next _ dict () of the given method", "")
        == "Returns the next_dict() of the given method."
    )
    assert polish('set the " name " attribute', "") == 'Set the "name" attribute.'
    assert (
        polish("parse the json body of an http response by id", "")
        == "Parse the JSON body of an HTTP response by ID."
    )
