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
    """Summary of configure.

    Args:
        name: The name.
        mapping (Dict[str, List[int]]): The mapping. Defaults to None.
        *rest (Path | None): Additional positional arguments.
        strict (bool): Whether strict is enabled. Defaults to False.
        **options: Additional keyword arguments.

    Returns:
        tuple[int, str]: The result.
    """
    value = mapping or {}
    return len(value), name


def is_ready(flag) -> bool:
    """Summary of is_ready.

    Args:
        flag: The flag.

    Returns:
        bool: True if ready, False otherwise.
    """
    return bool(flag)


def log_event(message: str) -> None:
    """Summary of log_event.

    Args:
        message (str): The message.
    """
    print(message)


def one_liner(x):
    """Summary of one_liner.

    Args:
        x: The x.

    Returns:
        The one liner.
    """
    return x * 2
