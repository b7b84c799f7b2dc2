def last_function(items):
    """Summary of last_function.

    @param items: The items.
    @return: The last function.
    """
    return sorted(items)