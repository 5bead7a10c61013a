"""VGG feature extractors for perceptual losses, with offline weight loading."""
