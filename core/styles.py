"""The docstring styles hoverdoc writes (the composer is the ``hoverdoc.server.docstrings`` package)."""

DOCSTRING_STYLES = ("google", "numpy", "sphinx", "epytext", "pep257")
