"""Training recipes: one per seed method, holding its published hyper-parameters.

``get_recipe(name)`` returns the class; ``RECIPES`` lists them.
"""

from __future__ import annotations

from training.recipes.base import Recipe


def all_recipes() -> dict[str, type[Recipe]]:
    from training.recipes import animegan, cartoongan, cyclegan, dcgan, distill, whitebox

    found: dict[str, type[Recipe]] = {}
    for module in (distill, whitebox, animegan, cartoongan, cyclegan, dcgan):
        for cls in module.RECIPES:
            found[cls.name] = cls
    return found


def get_recipe(name: str) -> type[Recipe]:
    recipes = all_recipes()
    if name not in recipes:
        raise KeyError(name)
    return recipes[name]
