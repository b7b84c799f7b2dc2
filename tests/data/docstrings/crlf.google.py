def parse_header(line: str) -> dict:
    """Summary of parse_header.

    Args:
        line (str): The line.

    Returns:
        dict: The header.
    """
    key, value = line.split(":", 1)
    return {key: value}
