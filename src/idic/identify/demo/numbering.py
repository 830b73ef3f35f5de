"""Unique numbers without remembering them: an affine bijection of a running index.

``scramble(i)`` maps 0 … modulus−1 one-to-one onto itself, so the n-th person's
phone or mailbox number is unique by construction and the generator keeps no set
of numbers already handed out (memory stays flat for a million customers).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Scrambler:
    modulus: int
    factor: int
    offset: int

    @classmethod
    def seeded(cls, rng: random.Random, modulus: int) -> Scrambler:
        """A bijection of ``range(modulus)`` chosen by ``rng``."""
        factor = rng.randrange(modulus // 3, modulus)
        while math.gcd(factor, modulus) != 1:
            factor += 1
        return cls(modulus=modulus, factor=factor, offset=rng.randrange(modulus))

    def __call__(self, index: int) -> int:
        if not 0 <= index < self.modulus:
            raise ValueError(f"index {index} outside 0…{self.modulus - 1}")
        return (index * self.factor + self.offset) % self.modulus
