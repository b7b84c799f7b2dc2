"""Stale docstrings (hoverdoc.core.staleness): each finding in each style, and what is never flagged."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hoverdoc.core.staleness import StaleFinding, StaleKind, find_stale

UNKNOWN, MISSING, RETURN = StaleKind.UNKNOWN_PARAM, StaleKind.MISSING_PARAM, StaleKind.RETURN_WITHOUT_VALUE

# fetch(url, timeout) documented in each style with `url` and `old_name` (renamed to `timeout`) and a
# return value, while the body returns nothing: all three findings at once.
STALE = {
    "google": '''
        def fetch(url, timeout=3):
            """Fetch a page.

            Args:
                url (str): The address.
                old_name (int): Seconds to wait.

            Returns:
                str: The body.
            """
            print(url, timeout)
    ''',
    "numpy": '''
        def fetch(url, timeout=3):
            """Fetch a page.

            Parameters
            ----------
            url : str
                The address.
            old_name : int
                Seconds to wait.

            Returns
            -------
            str
                The body.
            """
            print(url, timeout)
    ''',
    "sphinx": '''
        def fetch(url, timeout=3):
            """Fetch a page.

            :param url: The address.
            :type url: str
            :param old_name: Seconds to wait.
            :returns: The body.
            :rtype: str
            """
            print(url, timeout)
    ''',
    "epytext": '''
        def fetch(url, timeout=3):
            """Fetch a page.

            @param url: The address.
            @param old_name: Seconds to wait.
            @return: The body.
            """
            print(url, timeout)
    ''',
}


def stale(source: str) -> list[StaleFinding]:
    return find_stale(textwrap.dedent(source).lstrip("\n"))


def kinds(source: str) -> list[tuple[str, StaleKind, str | None]]:
    return [(f.qualname, f.kind, f.param) for f in stale(source)]


@pytest.mark.parametrize("style", sorted(STALE))
def test_each_kind_is_found_in_each_style(style: str):
    findings = stale(STALE[style])
    assert [(f.kind, f.param) for f in findings] == [
        (UNKNOWN, "old_name"),
        (MISSING, "timeout"),
        (RETURN, None),
    ]
    assert {(f.qualname, f.line, f.column, f.end_column) for f in findings} == {("fetch", 0, 4, 9)}
    assert findings[0].message == "docstring documents 'old_name', which is not a parameter of fetch()"
    assert findings[1].message == "docstring of fetch() does not document parameter 'timeout'"
    assert findings[2].message == "docstring documents a return value, but fetch() returns nothing"


@pytest.mark.parametrize("style", sorted(STALE))
def test_up_to_date_docstrings_have_no_finding(style: str):
    fixed = STALE[style].replace("old_name", "timeout").replace("print(url, timeout)", "return url")
    assert stale(fixed) == []


def test_docstrings_without_a_parameter_section_are_not_checked_for_parameters():
    assert not kinds('''
        def fetch(url, timeout=3):
            """Fetch the page at url, waiting at most timeout seconds."""
            print(url)

        def described(url):
            """Fetch a page.

            Returns the body of the page as text, which is checked nowhere.
            """
            print(url)
    ''')


def test_methods_ignore_self_and_cls_and_find_the_line_of_the_name():
    assert kinds('''
        class Client:
            def get(self, key):
                """Get.

                Args:
                    self: The client.
                    key: The key.
                """

            @classmethod
            def make(cls, name):
                """Make.

                :param name: The name.
                :param size: Gone.
                """
    ''') == [("Client.make", UNKNOWN, "size")]
    assert [f.line for f in stale("class A:\n  @classmethod\n  def make(cls):\n    ':param x: y'\n")] == [2]


def test_star_parameters_match_with_or_without_their_stars():
    assert (
        kinds('''
        def call(*args, **kwargs):
            """Call.

            Args:
                *args: Positional.
                kwargs: Keywords.
            """

        def escaped(*args, **options):
            """Escaped.

            :param \\\\*args: Positional.
            :param \\\\*\\\\*options: Keywords.
            """

        def undocumented_stars(path, *rest, **extra):
            """Missing stars.

            Args:
                path: Where.
            """
    ''')
        == []
    )  # undocumented pass-through *rest/**extra are never flagged


def test_keyword_sections_may_describe_what_kwargs_accepts():
    assert kinds('''
        def plot(data, **kwargs):
            """Plot.

            Parameters
            ----------
            data : list
                Points.
            **kwargs
                Style.

            Other Parameters
            ----------------
            color : str
                Line colour.
            """

        def plain(data):
            """Plain.

            :param data: Points.
            :keyword color: Line colour.
            """
    ''') == [("plain", UNKNOWN, "color")]


def test_generators_stubs_abstract_methods_and_properties_are_exempt_from_the_return_rule():
    assert not kinds('''
        import abc

        def numbers(limit):
            """Numbers.

            Args:
                limit: The end.

            Returns:
                Iterator[int]: The numbers.
            """
            for number in range(limit):
                yield number

        class Base(abc.ABC):
            @abc.abstractmethod
            def size(self):
                """Size.

                Returns:
                    int: The size.
                """
                print("not an implementation")

            def load(self, path):
                """Load.

                Args:
                    path: The file.

                Returns:
                    bytes: The data.
                """
                raise NotImplementedError("subclasses read the file")

            def name(self):
                """Name.

                :returns: The name.
                """
                ...

            def other(self):
                """Other.

                @return: Something.
                """
                pass

            @property
            def area(self):
                """Area.

                Returns:
                    float: The area.
                """
    ''')


def test_a_documented_none_return_bare_returns_and_return_none():
    assert kinds('''
        def log(message):
            """Log.

            Args:
                message: The text.

            Returns:
                None
            """
            print(message)

        def early(flag):
            """Early.

            Args:
                flag: Whether to stop.

            Returns:
                int: A count.
            """
            if flag:
                return
            print(flag)

        def explicit(flag):
            """Explicit.

            Args:
                flag: Unused.

            Returns:
                str | None: Nothing here; overrides return a pattern.
            """
            return None
    ''') == [("early", RETURN, None)]


def test_nested_functions_returns_count_for_themselves_only():
    assert kinds('''
        def outer(items):
            """Outer.

            Args:
                items: The items.

            Returns:
                Callable: The counter.
            """
            def helper():
                """Helper.

                Returns:
                    int: Nothing, in fact.
                """
                print(items)

            return helper

        def wrapper(items):
            """Wrapper.

            Args:
                items: The items.

            Returns:
                int: Nothing: only the inner function and the lambda return.
            """
            def inner():
                return len(items)

            key = lambda item: item
            inner()
    ''') == [("outer.helper", RETURN, None), ("wrapper", RETURN, None)]


def test_async_functions_and_one_line_bodies():
    assert kinds('''
        async def fetch(url):
            """Fetch.

            Args:
                url: The address.

            Returns:
                bytes: The body.
            """
            async with session.get(url) as response:
                return await response.read()

        def one(x): ":param y: Why.\\n:returns: A value."; return x
    ''') == [("one", UNKNOWN, "y"), ("one", MISSING, "x")]


def test_classes_and_broken_source_never_raise():
    assert kinds('''
        class Shape:
            """A shape.

            Args:
                old: Gone.
            """

            def __init__(self, size):
                """Make one.

                Args:
                    gone: Renamed.
                    size: The size.
                """
                self.size = size
                if (
    ''') == [("Shape.__init__", UNKNOWN, "gone")]
    assert find_stale("") == [] and find_stale("def (:\n  '''\n") == []


PYTHONISH = st.lists(
    st.sampled_from(
        [
            "def f(a, *b, **c):",
            "    '''Doc.",
            "    Args:",
            "        a: x",
            "    Returns:",
            "        int: y",
            "    '''",
            "    return a",
            "    yield",
            "class C:",
            "    @property",
            "    ...",
            "    :param a:",
            "@return: z",
            "    raise NotImplementedError",
            "lambda: (yield)",
            "(((",
            "\t",
            "\x00",
            "\ufeff",
        ]
    ),
    max_size=25,
).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=400), PYTHONISH))
def test_find_stale_never_raises(text: str):
    for finding in find_stale(text):
        assert finding.kind in StaleKind and "\n" not in finding.message and finding.line >= 0


def test_names_beside_an_undocumented_kwargs_describe_what_it_accepts():
    assert kinds('''
        def request(method, url, **kwargs):
            """Send a request.

            :param method: The verb.
            :param url: The address.
            :param timeout: Seconds to wait.
            :param verify: Whether to check certificates.
            """

        def renamed(method, address, **kwargs):
            """A renamed parameter is still missing.

            Args:
                method: The verb.
                url: The address.
            """

        def documented(method, **kwargs):
            """Once **kwargs is documented, other names are unknown again.

            Args:
                method: The verb.
                url: The address.
                **kwargs: Passed on.
            """
    ''') == [("renamed", MISSING, "address"), ("documented", UNKNOWN, "url")]


def test_names_after_a_documented_variadic_describe_what_it_accepts():
    assert kinds('''
        def fit(model, *args, **kwargs):
            """Fit.

            Parameters
            ----------
            model : Model
                The model.
            args : tuple
                Passed on.
            kwargs : dict
                Options of the optimizer:
            maxiter : int
                Iterations.
            acc : float
                Accuracy.
            """

        def stale_before(value, *args):
            """Stale.

            Args:
                old: Removed.
                *args: Values.
            """
    ''') == [("stale_before", UNKNOWN, "old"), ("stale_before", MISSING, "value")]


def test_names_beside_an_undocumented_args_and_misparsed_section_titles_are_not_parameters():
    assert not kinds('''
        def interpolate(*args, **options):
            """Interpolate.

            Parameters
            ----------
            x1, x2 : array
                Points.
            **options
                Query options.
            """

        def to_qubit(matrix):
            """Convert.

            Parameters
            ----------
            matrix : Matrix
                The matrix.

            Examples
            ========

            >>> to_qubit(m)
            """
            return matrix
    ''')


def test_metaclass_first_arguments_and_returns_of_nothing_are_not_flagged():
    assert (
        kinds('''
        class Meta(type):
            def __new__(mcs, name, bases, namespace):
                """Create.

                Args:
                    name: The name.
                    bases: The bases.
                    namespace: The body.

                Returns:
                    Nothing; registers the class.
                """
                print(name)
    ''')
        == []
    )
