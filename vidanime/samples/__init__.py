"""The bundled sample clip, snowboarder.mp4 (source and licence in README.md here;
lab/release/sample_clip.py cuts it)."""
