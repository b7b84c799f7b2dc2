"""A small module to try hoverdoc on: `make demo` summarizes it and drafts its docstrings."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Invoice:
    number: str
    total: float
    currency: str = "EUR"
    paid: bool = False


def load_invoices(path: Path) -> list[Invoice]:
    with path.open(encoding="utf-8") as handle:
        rows = json.load(handle)
    return [Invoice(**row) for row in rows]


def total_outstanding(invoices: list[Invoice], currency: str = "EUR") -> float:
    if not currency:
        raise ValueError("currency must not be empty")
    return sum(i.total for i in invoices if not i.paid and i.currency == currency)


def iter_overdue(invoices, paid_numbers):
    for invoice in invoices:
        if invoice.number not in paid_numbers:
            yield invoice


class InvoiceStore:
    def __init__(self, root: Path):
        self.root = root
        self.cache = {}

    def get_invoice(self, number: str) -> Invoice | None:
        if number not in self.cache:
            self.cache[number] = self._read(number)
        return self.cache[number]

    def _read(self, number):
        data = json.loads((self.root / f"{number}.json").read_text())
        return Invoice(**data)
