from pathlib import Path


def load_invoices(path: Path, currency: str = "EUR", *, strict=False) -> list:
    """Summary of load_invoices.

    :param path: The JSON file the invoices are read from.
    :type path: Path
    :param currency: ISO 4217 code the totals are filtered by. Defaults to "EUR".
    :type currency: str
    :param strict: Whether strict is enabled. Defaults to False.
    :type strict: bool
    :returns: The invoices in that currency, in file order.
    :rtype: list
    """
    with path.open(encoding="utf-8") as handle:
        rows = json.load(handle)
    return [row for row in rows if row["currency"] == currency]


def iter_overdue(invoices, paid_numbers):
    """Summary of iter_overdue.

    :param invoices: Invoices to check, oldest first.
    :param paid_numbers: Numbers of the invoices already paid.
    :yields: Each invoice not paid yet.
    """
    for invoice in invoices:
        if invoice.number not in paid_numbers:
            yield invoice


class InvoiceStore:
    """Summary of InvoiceStore.

    :ivar root: The root.
    :vartype root: Path
    """

    def __init__(self, root: Path, *args, **kwargs):
        """Summary of __init__.

        :param root: Folder that holds one JSON file per invoice.
        :type root: Path
        :param *args: Additional positional arguments.
        :param **kwargs: Additional keyword arguments.
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
