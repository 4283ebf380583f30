"""Money as integer minor units with a currency; basis points; exact splits."""

from __future__ import annotations

from dataclasses import dataclass

KRW = "KRW"


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str = KRW

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    def format(self) -> str:
        """`10,000원` for KRW, `1,234 USD` otherwise (minor units shown as they are)."""
        if self.currency == KRW:
            return f"{self.amount:,}원"
        return f"{self.amount:,} {self.currency}"


def apply_basis_points(amount: int, basis_points: int) -> int:
    """`amount * bp / 10,000`, rounded half up: the one place percentages are computed."""
    return (amount * basis_points + 5_000) // 10_000


def round_up_to_step(amount: int, step: int) -> int:
    """Smallest multiple of `step` that is >= amount (auto-charge rounds shortfalls this way)."""
    return -(-amount // step) * step


def split_evenly(total: int, parts: int) -> list[int]:
    """Split `total` into `parts` integers that add up exactly; earlier parts take the remainder."""
    if parts <= 0:
        raise ValueError("parts must be positive")
    base, remainder = divmod(total, parts)
    return [base + (1 if index < remainder else 0) for index in range(parts)]


def split_by_weights(total: int, weights: list[int]) -> list[int]:
    """Largest-remainder split of `total` in proportion to `weights`; the parts add up exactly."""
    weight_sum = sum(weights)
    if weight_sum <= 0 or any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative with a positive sum")
    floors = [total * w // weight_sum for w in weights]
    remainders = [total * w % weight_sum for w in weights]
    short = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for index in order[:short]:
        floors[index] += 1
    return floors


def format_krw(amount: int) -> str:
    return Money(amount).format()
