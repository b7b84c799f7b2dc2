def parse_header(line: str) -> dict:
    """Summary of parse_header.

    Parameters
    ----------
    line : str
        The line.

    Returns
    -------
    dict
        The header.
    """
    key, value = line.split(":", 1)
    return {key: value}
