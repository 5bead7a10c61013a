"""Every seed paper's networks, one module per family; importing the package registers them all
in ``training.models.registry.ARCHS``."""

from training.models import animatedgan, animegan, animeganv3, cartoongan, cyclegan, dcgan, discriminators, lightweight, screentone  # noqa: F401
