"""Tasks: end-to-end jobs built from models, data and training (the tutorial demo so far)."""
