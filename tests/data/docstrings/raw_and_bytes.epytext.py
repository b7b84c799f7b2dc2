def pattern_for(name):
    r"""Match \d+ digits of a name.

    Args:
        name: The name.

    Returns:
        The result.
    """
    return name


def not_a_docstring(data):
    """Summary of not_a_docstring.

    @param data: The data.
    @return: The result.
    """
    b"""These bytes are not a docstring."""
    return data
