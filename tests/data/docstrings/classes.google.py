from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple


@dataclass(frozen=True)
class Invoice:
    """Summary of Invoice.

    Attributes:
        number (str): The number.
        total (float): The total.
        tags (list[str]): The tags.
    """

    number: str
    total: float = 0.0
    tags: list[str] = field(default_factory=list)
    registry: ClassVar[dict] = {}
    _secret: str = ""


class Point(NamedTuple):
    """Summary of Point.

    Attributes:
        x (int): The x.
        y (int): The y.
    """

    x: int
    y: int


class Account:
    """Summary of Account.

    Attributes:
        owner (str): The owner.
        balance (float): The balance.
        overdrawn: The overdrawn.
    """

    def __init__(self, owner: str, balance=0):
        """Summary of __init__.

        Args:
            owner (str): The owner.
            balance (int): The balance. Defaults to 0.
        """
        self.owner = owner
        self.balance: float = balance
        if balance < 0:
            self.overdrawn = True
        self._cache = {}
