"""The analysis service: photos in, faces found and aligned, predictions, explanations and comparisons out.
Knows nothing of HTTP (``facexai.api``) or the command line."""
