def parse_header(line: str) -> dict:
    key, value = line.split(":", 1)
    return {key: value}
