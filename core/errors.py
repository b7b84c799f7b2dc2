"""The error type for bad input: the CLI prints its message as one line and exits non-zero."""


class HoverdocError(Exception):
    """A problem with the user's input or environment, explained in one line."""
