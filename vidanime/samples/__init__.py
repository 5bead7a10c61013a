"""The bundled sample clip (tools/make_sample_clip.py renders it)."""
