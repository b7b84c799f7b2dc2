def last_function(items):
    """Summary of last_function."""
    return sorted(items)