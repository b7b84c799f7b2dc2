def configure(
    name,  # the name to use
    mapping: Dict[
        str,
        List[int],
    ] = None,
    /,
    *rest: "Path | None",
    strict: bool = False,
    **options,
) -> tuple[int, str]:  # keep this comment
    """Summary of configure."""
    value = mapping or {}
    return len(value), name


def is_ready(flag) -> bool:
    """Summary of is_ready."""
    return bool(flag)


def log_event(message: str) -> None:
    """Summary of log_event."""
    print(message)


def one_liner(x):
    """Summary of one_liner."""
    return x * 2
