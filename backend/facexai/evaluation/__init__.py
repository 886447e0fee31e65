"""Evaluation of trained models on a labelled FairFace-layout set: metrics, fairness breakdowns,
plots and reports. ``metrics`` is numpy only; the rest loads models through Keras."""
