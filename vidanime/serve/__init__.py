"""The local web app (`vidanime serve`): `pip install ".[web]"`."""
