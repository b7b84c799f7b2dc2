def parse_header(line: str) -> dict:
    """Summary of parse_header."""
    key, value = line.split(":", 1)
    return {key: value}
