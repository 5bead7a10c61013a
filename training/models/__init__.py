"""Every seed paper's networks, one module per family; importing the package registers them all
in ``training.models.registry.ARCHS``."""

from training.models import (  # noqa: F401
    animatedgan,
    animegan,
    animeganv3,
    cartoongan,
    context_unet,
    cyclegan,
    dcgan,
    discriminators,
    lightweight,
    screentone,
)
