"""What every explanation method shares (TensorFlow): the forward pass, one call shape, one result type,
and :class:`Method`, the one object per method.

A method is a :class:`Method` (``METHOD`` in ``facexai/explain/<its name>.py``): it builds its
:class:`Explainer` (``explain(x, targets, options) -> list[Attribution]``) on a model's
:class:`Forward`, and says everything else a caller needs of its maps: how to draw one, how to make it
comparable across models, how it ranks pixels for faithfulness, and what the audit keeps of it.
``facexai.explain.methods.METHODS`` lists them; callers look methods up there instead of branching on them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import keras
import numpy as np
import tensorflow as tf

from facexai.core.regions import region_shares
from facexai.explain.options import ExplainMethod, IGOptions
from facexai.explain.render import small_map

if TYPE_CHECKING:
    from facexai.explain import ExplainerConfig

#: PNG file bytes; the web layer sends them as base64 (facexai.api.schemas.Base64Png), the CLI writes files
Png = bytes


@dataclass
class Attribution:
    """One image's explanation of one class, whatever the method."""

    method: ExplainMethod
    target: int
    probabilities: np.ndarray  # (classes,): the model's output at the image, from the same computation
    heatmap: (
        np.ndarray
    )  # (h, w) float32: signed IG summed over channels at input resolution; Grad-CAM >= 0 at its layer's
    elapsed_ms: float
    #: IG only: F(x), F(baseline) of the explained output and |sum(heatmap) - (F(x) - F(b))| / |F(x) - F(b)|
    score_input: float | None = None
    score_baseline: float | None = None
    completeness_error: float | None = None
    completeness_error_abs: float | None = None  # |sum(heatmap) - (F(x) - F(b))|, in the output's units
    #: how it was computed: {"layer": ...} for Grad-CAM; {"steps", "rule", "output"} for IG
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def probability(self) -> float:
        return float(self.probabilities[self.target])


def _logits_tensor(model: keras.Model) -> tuple[Any, Any]:
    """Return (tensor, projection): logits = projection(tensor).

    Our architectures name their pre-softmax layer ``logits``; a foreign model whose last layer
    is a softmax Dense gets its logits recomputed from that layer's input and weights.
    """
    try:
        return model.get_layer("logits").output, None
    except ValueError:
        pass
    last = model.layers[-1]
    if isinstance(last, keras.layers.Dense) and getattr(last.activation, "__name__", "") == "softmax":
        kernel, bias = last.kernel, last.bias

        def project(h: tf.Tensor) -> tf.Tensor:
            out = tf.matmul(h, tf.convert_to_tensor(kernel))
            return out + tf.convert_to_tensor(bias) if bias is not None else out

        return last.input, project
    raise ValueError(f"model {model.name!r} has no 'logits' layer and does not end in a softmax Dense layer")


class Forward:
    """One model's forward pass: ``forward(x) -> (feature maps, logits, probabilities)``, built once per
    model and shared by its predictions, every explainer and the faithfulness scores.

    ``x`` is a batch in the model's (preprocessed) input space. ``feature_layer`` (Grad-CAM's layer)
    adds that layer's output; without it the feature maps are None.
    """

    def __init__(self, model: keras.Model, feature_layer: str | None = None) -> None:
        self.model = model
        logits, self._project = _logits_tensor(model)
        outputs = [logits, model.outputs[0]]
        self.feature_layer = feature_layer
        if feature_layer is not None:
            outputs.insert(0, model.get_layer(feature_layer).output)
        self._aux = keras.Model(model.inputs, outputs)
        self.num_classes = int(model.outputs[0].shape[-1])
        shape = model.inputs[0].shape
        self.input_shape = (int(shape[1]), int(shape[2]), int(shape[3]))
        batch = tf.TensorSpec([None, *self.input_shape], tf.float32)
        self._probabilities = tf.function(lambda x: self(x)[2], input_signature=[batch])

    def __call__(self, x: tf.Tensor) -> tuple[tf.Tensor | None, tf.Tensor, tf.Tensor]:
        outs = self._aux(x, training=False)
        if self.feature_layer is None:
            features, logits, probs = None, outs[0], outs[1]
        else:
            features, logits, probs = outs
        if self._project is not None:
            logits = self._project(logits)
        return features, tf.cast(logits, tf.float32), tf.cast(probs, tf.float32)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """The model's probabilities (N, classes) for a batch (N, H, W, C), preprocessed: one compiled call."""
        return self._probabilities(tf.constant(np.asarray(x, np.float32))).numpy()


class Explainer:
    """An explanation method over a model's shared :class:`Forward`. Subclasses set ``method`` and
    implement ``explain``. Given a bare Keras model, an explainer builds its own Forward."""

    method: ClassVar[ExplainMethod]

    def __init__(self, model: keras.Model | Forward, feature_layer: str | None = None) -> None:
        self.forward = model if isinstance(model, Forward) else Forward(model, feature_layer)
        if feature_layer is not None and self.forward.feature_layer != feature_layer:
            raise ValueError(f"this Forward has feature layer {self.forward.feature_layer!r}, not {feature_layer!r}")
        self.model = self.forward.model
        self.num_classes = self.forward.num_classes
        self.input_shape = self.forward.input_shape

    def explain(
        self, x: np.ndarray, targets: np.ndarray | list[int] | None = None, options: IGOptions | None = None
    ) -> list[Attribution]:
        """Explain a batch ``x`` (N, H, W, C), preprocessed: one Attribution per image.

        ``targets`` holds one class index per image, or -1 for the top class (None: all top).
        ``options`` configures the methods that take any (IG); others ignore it.
        """
        raise NotImplementedError

    def check_batch(self, x: np.ndarray, targets: np.ndarray | list[int] | None) -> tuple[np.ndarray, np.ndarray]:
        """(x as float32, targets as int32 with -1 for the top class), or ValueError."""
        x = np.asarray(x, dtype=np.float32)
        if x.ndim != 4 or x.shape[1:] != self.input_shape:
            raise ValueError(f"expected a batch of shape (N, {', '.join(map(str, self.input_shape))}), got {x.shape}")
        t = np.full(len(x), -1, np.int32) if targets is None else np.asarray(targets, np.int32)
        if t.shape != (len(x),):
            raise ValueError("need one target per image")
        if np.any(t >= self.num_classes):
            raise ValueError(f"target out of range for {self.num_classes} classes")
        return x, t


@dataclass
class Faithfulness:
    """A map's deletion and insertion scores (``facexai.service.faithfulness``): the explained class's mean
    probability along each curve, in [0, 1]."""

    deletion_auc: float  # pixels removed in the map's order: lower is better
    insertion_auc: float  # pixels inserted into the baseline in the map's order: higher is better
    random_deletion_auc: float  # pixels removed in random orders (their mean): the reference deletion must beat
    verdict: str = "no_clearer_than_random"  # clearer_than_random | no_clearer_than_random | worse_than_random
    margin: float = 0.0  # 1.96 x the random orders' standard deviation: how far deletion must be from the mean
    random_orders: int = 1


class MapResult(Protocol):
    """What every method's drawn result (``Method.picture``) has besides its own fields: room for its
    faithfulness scores, filled in when they are asked for."""

    faithfulness: Faithfulness | None


class Method(ABC):
    """One explanation method, whole. Each lives in ``facexai/explain/<name>.py`` as that module's
    ``METHOD`` (an instance), next to its :class:`Explainer` and its result dataclass; its ``name`` is
    its value in ``ExplainMethod``. ``facexai.explain.methods.METHODS`` lists them, and the service (the
    pictures, the class grid, the comparison, faithfulness) and the audit read them from there.

    Every capability takes the method's own :class:`Attribution` (or its ``heatmap``): signed or not, at
    the input's resolution or a layer's, is the method's business and no one else's."""

    name: ClassVar[ExplainMethod]
    #: the colour map of its pictures (a name ``facexai.explain.render`` knows)
    colours: ClassVar[str]
    #: its prefix in the audit's stored arrays: ``<short>_shares``, ``<short>_map``
    short: ClassVar[str]
    #: the dataclass ``picture`` returns: the field of ``facexai.service.results.Explanation`` named after
    #: the method holds one, and ``facexai.api.schemas`` mirrors it
    result: ClassVar[type]

    @abstractmethod
    def build(self, forward: Forward, config: ExplainerConfig) -> Explainer:
        """Its explainer for one model, on the model's one forward pass."""

    @abstractmethod
    def picture(self, attribution: Attribution, chip: np.ndarray) -> MapResult:
        """Its result for one map, drawn over ``chip`` (the face, uint8 RGB, at display size), on the
        map's own colour scale."""

    @abstractmethod
    def display_map(self, attribution: Attribution, size: int) -> tuple[np.ndarray, float]:
        """The map as its pictures draw it, size x size and >= 0, before any scaling, and the map's own
        top on its colour scale (the class grid draws several on one scale with these)."""

    @abstractmethod
    def shared_scale(self, maps: Sequence[tuple[np.ndarray, float]]) -> float:
        """One colour scale for several of its ``display_map`` results (the class grid's ``scale_max``)."""

    @abstractmethod
    def magnitude(self, attribution: Attribution) -> np.ndarray:
        """The map made comparable across models: >= 0, at the map's own resolution, in units that do
        not depend on the size of a model's outputs (the comparison puts two on one scale)."""

    @abstractmethod
    def ranking(self, heatmap: np.ndarray) -> np.ndarray:
        """Each pixel's importance for the faithfulness curves, higher first (any resolution: the curves
        upsample it bilinearly to the input's)."""

    @abstractmethod
    def audit_map(self, heatmap: np.ndarray, side: int) -> np.ndarray:
        """One face's map as the audit reduces it (``reduce``) and its sanity checks compare it: non-negative
        and square; a map at a layer's resolution (Grad-CAM) upsampled bilinearly to ``side`` x ``side``, one
        at the input's resolution left there."""

    def reduce(self, heatmap: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
        """What the audit keeps of one face's map: (its region shares, in ``core.regions.REGION_NAMES``
        order; its small map, size x size, summing to 1)."""
        magnitude = self.audit_map(heatmap, size * 4)  # a layer's map: at 4 x the small map's side
        return region_shares(np.asarray(magnitude, np.float64)), small_map(magnitude, size)
