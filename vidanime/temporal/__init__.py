"""Temporal consistency: smoothing stylised video (flow-guided), and measuring flicker."""
