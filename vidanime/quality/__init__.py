"""Style figures: how a stylised picture compares with its photo (detail, lines, artefacts, faces)."""
