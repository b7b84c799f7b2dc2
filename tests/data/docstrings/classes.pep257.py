from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple


@dataclass(frozen=True)
class Invoice:
    """Summary of Invoice."""

    number: str
    total: float = 0.0
    tags: list[str] = field(default_factory=list)
    registry: ClassVar[dict] = {}
    _secret: str = ""


class Point(NamedTuple):
    """Summary of Point."""

    x: int
    y: int


class Account:
    """Summary of Account."""

    def __init__(self, owner: str, balance=0):
        """Summary of __init__."""
        self.owner = owner
        self.balance: float = balance
        if balance < 0:
            self.overdrawn = True
        self._cache = {}
