"""Reproductions of the seed papers (DCGAN, photo-to-anime GANs), with their reports."""
