def last_function(items):
    """Summary of last_function.

    Parameters
    ----------
    items
        The items.

    Returns
    -------
    result
        The last function.
    """
    return sorted(items)