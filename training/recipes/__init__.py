"""Training recipes: one per seed method, holding its published hyper-parameters.

Importing the package registers them all in ``RECIPES`` (``RECIPES.get`` also takes old names).
"""

from __future__ import annotations

from training.recipes import animegan, cartoongan, cyclegan, dcgan, distill, whitebox  # noqa: F401
from training.recipes.base import Recipe
from training.recipes.registry import RECIPES

__all__ = ["RECIPES", "all_recipes"]


def all_recipes() -> dict[str, type[Recipe]]:
    """Recipes by their current names (aliases left out)."""
    return dict(RECIPES.items())

