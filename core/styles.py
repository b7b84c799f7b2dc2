"""The docstring styles hoverdoc writes (the composer lives in ``hoverdoc.server.docstrings``)."""

DOCSTRING_STYLES = ("google", "numpy", "sphinx", "epytext", "pep257")
