"""The recipes by name (``vidanime train --list``); ``training.recipes`` imports them all."""

from __future__ import annotations

from training.recipes.base import Recipe
from training.registry import Registry

RECIPES: Registry[type[Recipe]] = Registry("recipe")
