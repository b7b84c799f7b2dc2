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

    :param name: The name.
    :param mapping: The mapping. Defaults to None.
    :type mapping: Dict[str, List[int]]
    :param *rest: Additional positional arguments.
    :type *rest: Path | None
    :param strict: Whether strict is enabled. Defaults to False.
    :type strict: bool
    :param **options: Additional keyword arguments.
    :returns: The result.
    :rtype: tuple[int, str]
    """
    value = mapping or {}
    return len(value), name


def is_ready(flag) -> bool:
    """Summary of is_ready.

    :param flag: The flag.
    :returns: True if ready, False otherwise.
    :rtype: bool
    """
    return bool(flag)


def log_event(message: str) -> None:
    """Summary of log_event.

    :param message: The message.
    :type message: str
    """
    print(message)


def one_liner(x):
    """Summary of one_liner.

    :param x: The x.
    :returns: The one liner.
    """
    return x * 2
