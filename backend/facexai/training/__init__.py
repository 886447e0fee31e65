"""Training pipeline: config, FairFace data, the biased subset, training runs and model cards.

``config``, ``data`` and ``biased`` need neither Keras nor TensorFlow; ``train`` needs Keras 3
on any backend (TensorFlow here, JAX on the GPU machine) and never imports TensorFlow itself.
"""
