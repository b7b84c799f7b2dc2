def transfer(source, target, amount, *, note=None):
    """Move money between accounts.

    The transfer is atomic.

    Args:
        source: Account that pays, written by a human.
        target: The target.
        amount (Decimal): How much, in the account's currency.
        note: The note. Defaults to None.

    Returns:
        The receipt.

    Examples:
        >>> transfer(a, b, 10)
        Receipt(...)
    """
    return make_receipt(source, target, amount, note)


def numpy_style(a, b):
    """Add numbers.

    Parameters
    ----------
    a : int
        The first number, by hand.
    b
        The b.

    Returns
    -------
    result
        The numpy style.
    """
    return a + b


def already_complete(value: int) -> int:
    """Double a value.

    Args:
        value (int): The value.

    Returns:
        int: Twice the value.
    """
    return value * 2
