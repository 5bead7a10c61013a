"""The bundled sample clip, snowboarder.mp4 (source and licence in README.md here;
tools/make_sample_clip.py cuts it)."""
