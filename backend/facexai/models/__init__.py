"""Models and their files: the manifest, the loaders (dlib's face ResNet, from-scratch architectures),
preprocessing, and the registry that loads a manifest's models with their explainers."""
