def last_function(items):
    """Summary of last_function.

    Args:
        items: The items.

    Returns:
        The last function.
    """
    return sorted(items)