"""Loss functions of the seed papers: small, separately tested functions."""
