"""facexai: age, gender and race of every face, explained with Integrated Gradients and Grad-CAM."""

__version__ = "0.1.0"
