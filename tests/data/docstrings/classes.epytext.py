from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple


@dataclass(frozen=True)
class Invoice:
    """Summary of Invoice.

    @ivar number: The number.
    @type number: str
    @ivar total: The total.
    @type total: float
    @ivar tags: The tags.
    @type tags: list[str]
    """

    number: str
    total: float = 0.0
    tags: list[str] = field(default_factory=list)
    registry: ClassVar[dict] = {}
    _secret: str = ""


class Point(NamedTuple):
    """Summary of Point.

    @ivar x: The x.
    @type x: int
    @ivar y: The y.
    @type y: int
    """

    x: int
    y: int


class Account:
    """Summary of Account.

    @ivar owner: The owner.
    @type owner: str
    @ivar balance: The balance.
    @type balance: float
    @ivar overdrawn: The overdrawn.
    """

    def __init__(self, owner: str, balance=0):
        """Summary of __init__.

        @param owner: The owner.
        @type owner: str
        @param balance: The balance. Defaults to 0.
        @type balance: int
        """
        self.owner = owner
        self.balance: float = balance
        if balance < 0:
            self.overdrawn = True
        self._cache = {}
