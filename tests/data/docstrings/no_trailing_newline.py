def last_function(items):
    return sorted(items)