"""Release tools: train-data lists, the bundled styles and their model cards, int8 graphs, sample media."""
