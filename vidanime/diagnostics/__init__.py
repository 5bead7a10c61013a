"""What this machine will use and why: the facts behind ``vidanime doctor``."""
