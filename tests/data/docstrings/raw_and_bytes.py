def pattern_for(name):
    r"""Match \d+ digits of a name.

    Args:
        name: The name.
    """
    return name


def not_a_docstring(data):
    b"""These bytes are not a docstring."""
    return data
