"""Conversion past one machine (Ray); an optional extra."""
