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
    value = mapping or {}
    return len(value), name


def is_ready(flag) -> bool:
    return bool(flag)


def log_event(message: str) -> None:
    print(message)


def one_liner(x): return x * 2
