"""Small utilities shared by every layer: clocks and identity generation."""
