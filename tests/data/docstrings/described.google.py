from pathlib import Path


def load_invoices(path: Path, currency: str = "EUR", *, strict=False) -> list:
    """Summary of load_invoices.

    Args:
        path (Path): The JSON file the invoices are read from.
        currency (str): ISO 4217 code the totals are filtered by. Defaults to "EUR".
        strict (bool): Whether strict is enabled. Defaults to False.

    Returns:
        list: The invoices in that currency, in file order.
    """
    with path.open(encoding="utf-8") as handle:
        rows = json.load(handle)
    return [row for row in rows if row["currency"] == currency]


def iter_overdue(invoices, paid_numbers):
    """Summary of iter_overdue.

    Args:
        invoices: Invoices to check, oldest first.
        paid_numbers: Numbers of the invoices already paid.

    Yields:
        Each invoice not paid yet.
    """
    for invoice in invoices:
        if invoice.number not in paid_numbers:
            yield invoice


class InvoiceStore:
    """Summary of InvoiceStore.

    Attributes:
        root (Path): The root.
    """

    def __init__(self, root: Path, *args, **kwargs):
        """Summary of __init__.

        Args:
            root (Path): Folder that holds one JSON file per invoice.
            *args: Additional positional arguments.
            **kwargs: Additional keyword arguments.
        """
        self.root = root

    def total(self, currency):
        """Sum the open invoices.

        Args:
            currency: Written by a person, and kept.

        Returns:
            The sum, in that currency.
        """
        return 0.0
