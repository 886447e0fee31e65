"""Training pipeline: config, FairFace data, the biased subset, training runs and model cards.

``config``, ``data`` and ``biased`` need neither Keras nor TensorFlow; ``train`` needs Keras 3
on any backend and never imports TensorFlow itself; ``bundle`` trains the served models on dlib's
face ResNet and ``export`` writes them into models/.
"""
