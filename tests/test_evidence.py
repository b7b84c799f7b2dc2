"""Which descriptions Generate docstring asks the model for: only those no evidence has."""

from __future__ import annotations

from hoverdoc.core.extract import extract
from hoverdoc.server.docstrings import lacking_descriptions, merged_descriptions


def lacking(source: str, known: dict | None = None) -> list[str]:
    definitions = extract(source)
    return lacking_descriptions(definitions[0], definitions, known)


def test_switches_variadics_and_known_names_are_not_asked():
    source = (
        "def fetch(account_id, registry, verbose=False, *args, strict: bool = True, **kw):\n    return 1\n"
    )
    assert lacking(source) == ["account_id", "registry"]
    assert lacking(source, {"registry": "The registry to look in."}) == ["account_id"]


def test_a_documented_parameter_counts_only_with_words():
    source = 'def f(a, b):\n    """X.\n\n    :param a:\n    :param b: by hand\n    """\n    return a\n'
    assert lacking(source) == ["a"]


def test_classes_are_never_asked_and_the_workspace_wins():
    assert lacking("class Store:\n    def __init__(self, root):\n        self.root = root\n") == []
    assert merged_descriptions({"a": "workspace"}, {"a": "model", "b": "model"}) == {
        "a": "workspace",
        "b": "model",
    }


def test_keyword_arguments_documented_in_their_own_section_stay_there():
    from hoverdoc.server.docstrings import apply_edit, compose_docstring

    source = (
        'def f(a, *, colour="red", size=1):\n    """Do it.\n\n    Args:\n        a: The a, by hand.\n\n'
        '    Keyword Args:\n        colour (str): Paint colour, by hand.\n    """\n    return a\n'
    )
    assert lacking(source) == ["size"]
    definitions = extract(source)
    edited = apply_edit(source, compose_docstring(source, definitions[0], "X", "google", definitions).edit)
    assert edited.count("colour (str):") == 1  # its one entry, under Keyword Args
    assert (
        "        colour (str): Paint colour, by hand.\n" in edited
        and "        size (int): The size." in edited
    )
