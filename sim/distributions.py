"""Work-time and patience distributions, each able to sample itself.

Every distribution is a frozen pydantic model selected by its ``dist`` key in
YAML, and owns a ``sample(rng, size)`` method that draws from an explicit
``numpy.random.Generator`` (no global random state). Parameters carry units:
``mean_min`` is a mean in minutes, ``cv`` a coefficient of variation
(standard deviation / mean).

Parametrisations
----------------
lognormal(mean m, cv v):  sigma^2 = ln(1 + v^2), mu = ln(m) - sigma^2 / 2
gamma(mean m, cv v):      shape k = 1 / v^2, scale = m * v^2
exponential(mean m):      rate 1 / m
triangular(min, mode, max)
deterministic(value)
empirical(values, weights): draws one of the observed values
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

PositiveMin = Annotated[float, Field(gt=0, le=1440, description="minutes, > 0, at most a day")]


class _Dist(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    @property
    def mean(self) -> float:  # pragma: no cover
        raise NotImplementedError

    @property
    def second_moment(self) -> float:  # pragma: no cover
        """E[X^2] in minutes^2 (for Pollaczek-Khinchine and Cobham)."""
        raise NotImplementedError


class Exponential(_Dist):
    """Exponential with mean ``mean_min``."""

    dist: Literal["exponential"]
    mean_min: PositiveMin

    def sample(self, rng, size):
        return rng.exponential(self.mean_min, size)

    @property
    def mean(self):
        return self.mean_min

    @property
    def second_moment(self):
        return 2.0 * self.mean_min**2


class _MeanCV(_Dist):
    """A distribution given by its mean ``mean_min`` and coefficient of variation ``cv``."""

    mean_min: PositiveMin
    cv: Annotated[float, Field(gt=0, le=10, description="standard deviation / mean, > 0, at most 10")]

    @property
    def mean(self):
        return self.mean_min

    @property
    def second_moment(self):
        return self.mean_min**2 * (1.0 + self.cv**2)


class LogNormal(_MeanCV):
    """Lognormal given by its mean ``mean_min`` and coefficient of variation ``cv``."""

    dist: Literal["lognormal"]

    def sample(self, rng, size):
        sigma2 = math.log1p(self.cv**2)
        return rng.lognormal(math.log(self.mean_min) - sigma2 / 2.0, math.sqrt(sigma2), size)


class Gamma(_MeanCV):
    """Gamma given by its mean ``mean_min`` and coefficient of variation ``cv``."""

    dist: Literal["gamma"]

    def sample(self, rng, size):
        return rng.gamma(1.0 / self.cv**2, self.mean_min * self.cv**2, size)


class Triangular(_Dist):
    """Triangular on [``min_min``, ``max_min``] with mode ``mode_min``."""

    dist: Literal["triangular"]
    min_min: Annotated[float, Field(ge=0, le=1440)]
    mode_min: Annotated[float, Field(ge=0, le=1440)]
    max_min: PositiveMin

    @model_validator(mode="after")
    def _ordered(self):
        if not self.min_min <= self.mode_min <= self.max_min or self.min_min == self.max_min:
            raise ValueError("needs min_min <= mode_min <= max_min and min_min < max_min")
        return self

    def sample(self, rng, size):
        return rng.triangular(self.min_min, self.mode_min, self.max_min, size)

    @property
    def mean(self):
        return (self.min_min + self.mode_min + self.max_min) / 3.0

    @property
    def second_moment(self):
        a, c, b = self.min_min, self.mode_min, self.max_min
        variance = (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0
        return variance + self.mean**2


class Deterministic(_Dist):
    """Always ``value_min``."""

    dist: Literal["deterministic"]
    value_min: PositiveMin

    def sample(self, rng, size):
        return np.full(size, self.value_min)

    @property
    def mean(self):
        return self.value_min

    @property
    def second_moment(self):
        return self.value_min**2


class Empirical(_Dist):
    """Draws one of the observed ``values_min`` (optionally weighted)."""

    dist: Literal["empirical"]
    values_min: Annotated[list[PositiveMin], Field(min_length=1, max_length=100_000)]
    weights: list[Annotated[float, Field(ge=0, le=1e12)]] | None = None

    @model_validator(mode="after")
    def _weights_match(self):
        if self.weights is not None:
            if len(self.weights) != len(self.values_min):
                raise ValueError("weights must have one entry per value in values_min")
            if sum(self.weights) <= 0:
                raise ValueError("weights must not all be zero")
        return self

    def _probabilities(self) -> np.ndarray | None:
        if self.weights is None:
            return None
        w = np.asarray(self.weights, dtype=float)
        return w / w.sum()

    def sample(self, rng, size):
        return rng.choice(np.asarray(self.values_min, dtype=float), size=size, p=self._probabilities())

    @property
    def mean(self):
        p = self._probabilities()
        v = np.asarray(self.values_min, dtype=float)
        return float(v.mean() if p is None else (p * v).sum())

    @property
    def second_moment(self):
        p = self._probabilities()
        v2 = np.asarray(self.values_min, dtype=float) ** 2
        return float(v2.mean() if p is None else (p * v2).sum())


Distribution = Annotated[
    Union[Exponential, LogNormal, Gamma, Triangular, Deterministic, Empirical],
    Field(discriminator="dist"),
]
