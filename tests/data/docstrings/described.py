from pathlib import Path


def load_invoices(path: Path, currency: str = "EUR", *, strict=False) -> list:
    with path.open(encoding="utf-8") as handle:
        rows = json.load(handle)
    return [row for row in rows if row["currency"] == currency]


def iter_overdue(invoices, paid_numbers):
    for invoice in invoices:
        if invoice.number not in paid_numbers:
            yield invoice


class InvoiceStore:
    def __init__(self, root: Path, *args, **kwargs):
        self.root = root

    def total(self, currency):
        """Sum the open invoices.

        Args:
            currency: Written by a person, and kept.
        """
        return 0.0
