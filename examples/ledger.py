"""The documented half of the demo workspace: the way this team documents its parameters.

`make demo` drafts docstrings for examples/demo.py; the descriptions of parameters that are documented
here under the same name come from this file, as they would from a real codebase's documented code.
"""

from __future__ import annotations

import json
from pathlib import Path


def read_ledger(path: Path, currency: str = "EUR") -> list[dict]:
    """Read the ledger entries booked in one currency.

    Args:
        path: The JSON file the ledger is read from.
        currency: ISO 4217 code the entries are filtered by.

    Returns:
        The entries in file order.
    """
    with path.open(encoding="utf-8") as handle:
        return [row for row in json.load(handle) if row["currency"] == currency]


def balance(invoices: list, currency: str = "EUR") -> float:
    """Sum what the invoices still owe.

    Args:
        invoices: Invoices to add up, paid or not.
        currency: ISO 4217 code the totals are filtered by.
    """
    return sum(i.total for i in invoices if not i.paid and i.currency == currency)


def find_invoice(root: Path, number: str) -> dict | None:
    """Look an invoice up by its number.

    Args:
        root: Folder that holds one JSON file per invoice.
        number: The invoice number, as printed on the invoice.
    """
    candidate = root / f"{number}.json"
    return json.loads(candidate.read_text()) if candidate.exists() else None
