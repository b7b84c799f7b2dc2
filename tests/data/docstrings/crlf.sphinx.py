def parse_header(line: str) -> dict:
    """Summary of parse_header.

    :param line: The line.
    :type line: str
    :returns: The header.
    :rtype: dict
    """
    key, value = line.split(":", 1)
    return {key: value}
