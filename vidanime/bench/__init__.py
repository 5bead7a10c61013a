"""Measuring generators: graph statistics, latency, machine limits."""
