"""What the shop sells: a fixed catalogue with exact Decimal prices in AED."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Product:
    product_id: str
    name: str
    blurb: str
    price: Decimal  # AED, two decimals; never a float


PRODUCTS: tuple[Product, ...] = (
    Product("karak", "Karak Chai Kit", "Tea, cardamom and saffron for 20 cups.", Decimal("29.50")),
    Product("dates", "Medjool Dates, 1 kg", "Soft, large dates from Al Ain.", Decimal("64.00")),
    Product("oud", "Oud Candle", "Hand-poured, 40 hours of burn time.", Decimal("119.90")),
)

MAX_QUANTITY = 9


def find(product_id: str) -> Product | None:
    return next((p for p in PRODUCTS if p.product_id == product_id), None)
