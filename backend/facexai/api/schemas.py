"""Request and response models: the OpenAPI schema is the contract the web app's client is generated from."""

from __future__ import annotations

import base64
from enum import Enum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from facexai.core.photos import Detector
from facexai.explain.options import ExplainedOutput, ExplainMethod, ExplainMode, QuadratureRule

# one definition each: the methods (and the `explain` modes made of them), rules and outputs in
# facexai.explain.options, the detectors in facexai.core.photos
__all__ = ["Detector", "ExplainMethod", "ExplainMode", "ExplainedOutput", "QuadratureRule"]


def _base64(png: bytes | str) -> str:
    """The domain's PNG bytes as base64 text (a string is taken as it is: already encoded, or a file name)."""
    return png if isinstance(png, str) else base64.b64encode(png).decode("ascii")


#: a PNG image in JSON: the domain holds the file's bytes (facexai.service.results.Png), the web sends base64
Base64Png = Annotated[str, BeforeValidator(_base64)]


class Result(BaseModel):
    """A response built from the domain's dataclass of the same shape (facexai.service.results)."""

    model_config = ConfigDict(from_attributes=True)


class ErrorResponse(BaseModel):
    code: str = Field(description="stable machine-readable error code, e.g. no_face, invalid_image")
    detail: Any = Field(description="human-readable message, or the list of validation errors")


class Box(Result):
    left: int
    top: int
    right: int
    bottom: int


class Prediction(Result):
    label: str = Field(description="the most probable label")
    probabilities: dict[str, float] = Field(description="label -> probability, in the model's label order")


class FaithfulnessVerdict(str, Enum):
    clearer_than_random = "clearer_than_random"
    no_clearer_than_random = "no_clearer_than_random"
    worse_than_random = "worse_than_random"


class Faithfulness(Result):
    """How well the map predicts what the model uses (asked for with `faithfulness=true`).

    The input's pixels are ranked by the map at the model's input size (Integrated Gradients: |attribution|
    summed over channels; Grad-CAM: the map upsampled bilinearly; ties in raster order), then changed in 16
    equal steps from 0% to 100% of the pixels; the explained class's probability is taken at each of the 17
    points and averaged; with the random orders' curves, one batch of 122 distinct images ((2 + 6) x 15 + 2).
    A changed pixel is set to the baseline: the black image in pixel space, preprocessed like any input (the
    baseline Integrated Gradients integrates from)."""

    deletion_auc: float = Field(
        ge=0,
        le=1,
        description="mean probability while the pixels are set to the baseline, the map's most important first: "
        "a faithful map makes it fall fast, so lower is better",
    )
    insertion_auc: float = Field(
        ge=0,
        le=1,
        description="mean probability while the photo's pixels are put into the baseline, the map's most important "
        "first: higher is better",
    )
    random_deletion_auc: float = Field(
        ge=0,
        le=1,
        description="the same deletion in random pixel orders (fixed seeds, the same for every request), the mean "
        "of their areas: the reference a faithful map's deletion_auc must be below",
    )
    verdict: FaithfulnessVerdict = Field(
        description="clearer_than_random: deletion_auc is below random_deletion_auc by more than margin; "
        "worse_than_random: above it by more than margin; no_clearer_than_random: within the margin"
    )
    margin: float = Field(
        ge=0,
        description="1.96 x the standard deviation of the random orders' areas: how far deletion_auc must be from "
        "random_deletion_auc before the map counts as clearer (or worse) than a random ranking",
    )
    random_orders: int = Field(ge=1, description="how many random pixel orders the reference and its margin rest on")


FAITHFULNESS = "deletion and insertion scores of this map, when asked for with faithfulness=true; else null"


class IntegratedGradientsResult(Result):
    image: Base64Png = Field(description="base64 PNG: |attribution| heatmap blended over the aligned face")
    heatmap: Base64Png = Field(
        description="base64 PNG, RGBA: the same heatmap alone, transparent where zero, to overlay at any opacity"
    )
    signed_image: Base64Png = Field(
        description="base64 PNG: signed attribution (red: evidence for the target, blue: against) over the face"
    )
    completeness_error: float = Field(description="|sum(attributions) - (F(x) - F(baseline))| / |F(x) - F(baseline)|")
    completeness_error_abs: float = Field(
        ge=0,
        description="|sum(attributions) - (F(x) - F(baseline))| in the explained output's units (probability, or "
        "logit with output=logit): read it where F(x) - F(baseline) is tiny and the relative error means little",
    )
    steps: int
    rule: QuadratureRule
    output: ExplainedOutput = Field(description="which output of the target class was integrated")
    baseline: str = Field(description="the baseline image, in pixel space before preprocessing")
    clip_percentile: float = Field(description="the overlay's colour scale ends at this percentile of |attribution|")
    score_input: float = Field(description="F(x): the explained output at the photo")
    score_baseline: float = Field(description="F(baseline)")
    elapsed_ms: float
    faithfulness: Faithfulness | None = Field(None, description=FAITHFULNESS)


class GradCamResult(Result):
    image: Base64Png = Field(description="base64 PNG: Grad-CAM blended over the aligned face")
    heatmap: Base64Png = Field(description="base64 PNG, RGBA: the Grad-CAM map alone, transparent where zero")
    layer: str
    max_value: float = Field(description="the map's maximum before normalisation; 0 means no positive evidence")
    elapsed_ms: float
    faithfulness: Faithfulness | None = Field(None, description=FAITHFULNESS)


class Explanation(Result):
    target: str = Field(description="the explained label")
    target_probability: float
    integrated_gradients: IntegratedGradientsResult | None = None
    grad_cam: GradCamResult | None = None


class Face(Result):
    index: int = Field(description="position in `faces`; use it to ask for more explanations")
    box: Box = Field(description="the face in the original photo's pixels (after EXIF orientation)")
    aligned_image: Base64Png = Field(description="base64 PNG: the aligned face chip, at the largest model input size")
    predictions: dict[str, Prediction] = Field(description="model name -> prediction")
    explanations: dict[str, Explanation] = Field(default_factory=dict, description="model name -> explanation")


class ImageInfo(Result):
    width: int
    height: int
    format: str


class AnalyzeResponse(Result):
    analysis_id: str = Field(description="names this analysis for follow-up requests while it is kept in memory")
    expires_in_s: int
    image: ImageInfo
    aligned: bool = Field(description="false when the upload was treated as an already aligned chip")
    faces_found: int
    faces_skipped: int = Field(description="faces found beyond the per-photo cap (the smallest are skipped)")
    models: list[str]
    faces: list[Face]
    timings_ms: dict[str, float]


class ClassMap(Result):
    image: Base64Png = Field(
        description="base64 PNG: this class's map blended over the aligned face, on the grid's scale"
    )
    heatmap: Base64Png = Field(
        description="base64 PNG, RGBA: the map alone on the grid's scale, transparent where zero, to overlay at any "
        "opacity"
    )
    probability: float = Field(description="the model's probability of this class")
    max_value: float = Field(
        description="the map's own top in scale_max's units (IG: 99th percentile of its |attribution|; Grad-CAM: its "
        "maximum); max_value / scale_max says how strong this class's map is next to the others"
    )


class ClassGrid(Result):
    method: ExplainMethod
    scale_max: float = Field(
        description="the one colour scale every class is drawn on, in attribution units: IG: the 99th percentile of "
        "all classes' smoothed |attribution| together (brighter means more attribution, whatever the class); "
        "Grad-CAM: the largest value of all classes' maps"
    )
    classes: dict[str, ClassMap] = Field(description="label -> its map and probability, every label of the model")


class RegionShare(Result):
    region: str
    shares: dict[str, float] = Field(description="model -> share of its |attribution| that falls in this region")


class Comparison(Result):
    target: str
    method: ExplainMethod
    models: list[str]
    scale_max: float = Field(description="the shared colour scale's end, in attribution units")
    images: dict[str, Base64Png] = Field(description="model -> base64 PNG overlay on the shared scale")
    heatmaps: dict[str, Base64Png] = Field(description="model -> base64 RGBA PNG heatmap alone, on the shared scale")
    difference_image: Base64Png = Field(
        description="base64 PNG: second model minus first, red where the second attends more"
    )
    raw: dict[str, list[list[float]]] = Field(
        description="model -> the |map| pooled to a coarse grid (grid_size x grid_size), divided by scale_max"
    )
    grid_size: int
    correlation: float = Field(description="Pearson correlation of the two |maps| (1: same places)")
    regions: list[RegionShare]
    summary: str = Field(
        description="plain sentences naming the models by display name: the explained class and both "
        "probabilities, how strong each map is on the shared scale, which parts of the face each relies on more"
    )
    probabilities: dict[str, float] = Field(description="model -> probability of the target")
    strength: dict[str, float] = Field(
        description="model -> total attribution on the shared scale: the mean of its map divided by scale_max, "
        "unclipped (0: an empty map; the ratio of two says how much weaker one map is than the other)"
    )
    completeness_errors: dict[str, float] = Field(
        default_factory=dict, description="model -> its Integrated Gradients map's completeness error (IG only)"
    )
    approximate: list[str] = Field(
        default_factory=list,
        description="models whose Integrated Gradients map is approximate (completeness error above 5% and above "
        "0.01 in probability): the summary says so; ask again with more ig_steps before reading parts of the face",
    )
    reference: str | None = Field(
        None,
        description="another training seed of the first model (same data, recipe and class), explained on this face: "
        "what retraining alone moves here. Its shares are in `regions`; null when there is none",
    )
    largest_difference: float | None = Field(
        None,
        description="the largest |second model's share - first's| over the regions, as a fraction (with reference)",
    )
    largest_retraining: float | None = Field(
        None, description="the largest |reference's share - first's| over the regions, as a fraction (with reference)"
    )
    targets: dict[str, str] = Field(
        default_factory=dict,
        description="model -> the label its map explains: `target` for both, unless the two models' labels relate "
        "through a label map (a person's own model), where the second explains its label that stands for `target` "
        "(of several, the one it rates most likely on this face)",
    )


class PopulationRegionShare(BaseModel):
    share: float = Field(description="mean share of a face's |IG| in the region, over the race's faces")
    ci_low: float = Field(description="95% percentile-bootstrap interval over faces, low end")
    ci_high: float


class PopulationRegionDifference(BaseModel):
    difference: float = Field(description="biased minus unbiased model's share, mean over the same faces")
    ci_low: float = Field(description="95% bootstrap interval of the paired difference, low end")
    ci_high: float
    p_value: float | None = Field(
        None, description="paired permutation test, two-sided, uncorrected (null: too few faces)"
    )
    p_adjusted: float | None = Field(None, description="corrected for every race x region test (see `correction`)")
    significant: bool = Field(description="p_adjusted < 0.05")


class PopulationRaceComparison(BaseModel):
    n: int = Field(description="faces of this race, explained by both models")
    regions: dict[str, PopulationRegionDifference]
    significant_cells: int = Field(description="cells of the difference map significant after BH within the race")


class PopulationComparison(BaseModel):
    partner: str = Field(description="the unbiased model this biased model is compared with")
    test: str
    correction: str = Field(description="statsmodels multipletests method: 'holm' or 'fdr_bh'")
    tests: int
    summary: str = Field(description="the finding in plain words: only significant differences, or that there is none")
    by_race: dict[str, PopulationRaceComparison]


class ImbalanceCell(BaseModel):
    effect: float = Field(
        description="biased arm minus control arm: mean over each arm's seeds of their mean over the race's faces "
        "(share of the attribution, or accuracy, as a fraction)"
    )
    ci_low: float = Field(description="95% interval whose noise includes retraining (between-seed) and faces")
    ci_high: float
    retraining: float = Field(
        description="what retraining alone moves: root mean square difference between two seeds of one arm (>= 0)"
    )
    beyond_retraining: bool = Field(
        description="the interval excludes 0 and |effect| > retraining: an effect of the imbalance"
    )
    p_value: float = Field(description="two-sided t test with the seeds as the unit (uncorrected)")
    df: float = Field(description="the t test's degrees of freedom (seeds per arm, together, minus 2)")


class ImbalanceRace(BaseModel):
    n: int = Field(description="faces of this race whose attribution was compared (every model explains each)")
    n_accuracy: int = Field(description="faces of this race whose predictions give the accuracy")
    regions: dict[str, ImbalanceCell]
    accuracy: ImbalanceCell


class RetrainingPair(BaseModel):
    arm: str = Field(description="'biased' or 'control'")
    a: str
    b: str
    regions: dict[str, dict[str, float]] = Field(description="race -> region -> b's mean share minus a's")
    accuracy: dict[str, float] = Field(description="race -> b's accuracy minus a's")


class Imbalance(BaseModel):
    """The effect of training on race-imbalanced data, with retraining in the error bar (facexai audit
    --imbalance): the biased arm's seeds against the control arm's (same recipe and data size, every
    race equally)."""

    biased: list[str] = Field(description="the biased arm's models (one per training seed)")
    control: list[str] = Field(description="the control arm's models (one per training seed)")
    faces_per_race: int
    method: str = Field(description="how the effect, its interval and the call are computed, in words")
    summary: str = Field(
        description="the finding in plain words: only effects beyond retraining, with size and interval"
    )
    retraining_summary: str = Field(description="what retraining alone moves, in plain words")
    calls: int = Field(description="race x region cells whose effect is beyond retraining")
    cells: int
    expected_false_calls: float = Field(description="cells called by chance alone were nothing different (5% each)")
    by_race: dict[str, ImbalanceRace]
    retraining: list[RetrainingPair] = Field(description="every pair of seeds of one arm: what retraining alone moved")


class ModelInfo(BaseModel):
    name: str
    display_name: str = Field(description="The model's name as a person reads it, e.g. 'Race (biased training)'")
    task: str
    labels: list[str]
    input_size: int
    preprocessing: str
    gradcam_layer: str
    architecture: str
    biased: bool
    arm: str = Field(
        "",
        description="'biased' or 'control' for the imbalance experiment's models (one recipe, a race-imbalanced or "
        "race-balanced subset of the same size), '' for the others",
    )
    replicate: int = Field(0, description="the training seed's number within its arm (1, 2, …); 0 outside the arms")
    on_request: bool = Field(
        False, description="not run by POST /analyze; its follow-ups (explanations, compare, grid) run it when named"
    )
    description: str
    metrics: dict[str, Any]
    training: dict[str, Any]
    card_markdown: str | None = None
    user_supplied: bool = Field(
        False,
        description="a person's own model, added with `facexai models add` (not trained by this project); its card "
        "says what `add` measured",
    )
    label_map: dict[str, list[str]] | None = Field(
        None,
        description="a model with labels of its own: each label -> the FairFace labels of its task it stands for "
        "([]: unmapped), used by comparisons with other models and by the audit; null when its labels are "
        "FairFace's or relate to none",
    )
    mean_attribution_by_race: dict[str, str] | None = Field(
        None,
        description="race label -> base64 RGBA PNG (224 px): the model's mean |integrated gradients| map of its "
        "predicted class over FairFace validation faces of that race, each face's map divided by its sum so every "
        "face counts equally; inferno with alpha = value, to lay over an aligned face. Models of one task (race and "
        "race_biased) share one colour scale. null when the bundle has no population maps",
    )
    mean_attribution_all: str | None = Field(
        None, description="base64 RGBA PNG: the same mean over the faces of every race together, on the same scale"
    )
    mean_attribution_difference_by_race: dict[str, str] | None = Field(
        None,
        description="biased models only: race label -> base64 RGBA PNG of this model's mean map minus its unbiased "
        "partner's (RdBu_r: red where this model relies more, blue where less), all races on one scale of their own",
    )
    mean_attribution_faces: dict[str, int] | None = Field(
        None, description="race label (and 'all') -> how many faces each mean map averages"
    )
    mean_attribution_regions: dict[str, dict[str, PopulationRegionShare]] | None = Field(
        None,
        description="race label (and 'all') -> face region -> mean share of the attribution with its 95% interval "
        "(maps made by `facexai audit`; null for older maps)",
    )
    mean_attribution_comparison: PopulationComparison | None = Field(
        None,
        description="biased models only: per race and region, this model's share minus its unbiased partner's on "
        "the same faces, with interval and corrected paired permutation test; the difference maps then show only "
        "significant cells",
    )
    sanity: ModelSanity | None = Field(
        None,
        description="do its maps depend on the model? per method, the similarity of the map to the trained one as "
        "its weights are randomised block by block, and of another class's map (from the bundle's committed "
        "`facexai audit --sanity`); null when the bundle has none for it",
    )


class SanitySimilarity(BaseModel):
    mean: float = Field(description="the mean over the faces")
    ci_low: float = Field(description="95% percentile-bootstrap interval over the faces, low end")
    ci_high: float


class SanityStep(BaseModel):
    """One randomisation step: the map after it compared with the trained model's, over the faces."""

    block: str = Field(description="the block randomised at this step (the top one first)")
    layers: list[str] = Field(description="every layer randomised at this step (cascading: this block and those above)")
    n: int = Field(description="faces compared (a face whose trained map is constant is left out)")
    constant_maps: int = Field(0, description="faces whose map after randomisation was constant: counted as 0")
    spearman: SanitySimilarity = Field(description="Spearman rank correlation of the two maps")
    ssim: SanitySimilarity = Field(description="SSIM of the two maps, each divided by its maximum")
    hog: SanitySimilarity | None = Field(None, description="correlation of their histograms of oriented gradients")


class SanityRandomLogit(BaseModel):
    """The trained model's map of its predicted class against its map of another class (one at random per face)."""

    n: int
    constant_maps: int = 0
    spearman: SanitySimilarity
    ssim: SanitySimilarity
    hog: SanitySimilarity | None = None


class MethodSanity(BaseModel):
    """One method's sanity checks on one model (Adebayo et al. 2018; facexai audit --sanity)."""

    cascading: list[SanityStep] = Field(
        description="the blocks' weights re-initialised from the top block down, each step keeping those above random"
    )
    independent: list[SanityStep] | None = Field(None, description="each block alone re-initialised, when run")
    random_logit: SanityRandomLogit
    passes: bool = Field(
        description="the map stops resembling the trained one once every block is random (its rank correlation's "
        "interval reaches below fail_above); false: the map shows the input more than what the model learned"
    )
    random_logit_passes: bool = Field(description="likewise for another class's map")
    summary: str = Field(description="the result in one sentence")


class ModelSanity(BaseModel):
    """The bundle's committed sanity checks of this model's maps (models/sanity.json)."""

    faces: int = Field(description="the faces the checks ran on")
    source: str = Field(description="how they were made")
    fail_above: float = Field(description="the rank correlation above which a map counts as not depending on weights")
    integrated_gradients: MethodSanity | None = None
    grad_cam: MethodSanity | None = None


class SummaryRules(BaseModel):
    """The thresholds the comparison's plain-words summary uses (facexai.service.comparison), for a
    client that words the same figures itself."""

    strength_ratio: float = Field(
        description="two maps whose strengths (means on the shared scale) are further apart than this factor are "
        "called stronger and weaker; closer, about as strong"
    )
    region_gap: float = Field(
        description="a region is named where the two models' shares of their attribution differ by at least this "
        "(a fraction: 0.05 = 5 points)"
    )


class ModelsResponse(BaseModel):
    models: list[ModelInfo]
    races: list[str] = Field(
        description="the race labels every per-race figure is keyed by (accuracy, population maps, the imbalance "
        "experiment), in FairFace's order"
    )
    rules: SummaryRules = Field(description="the comparison summary's thresholds")
    imbalance: Imbalance | None = Field(
        None, description="the imbalance experiment's population result (from the bundle's audit); null without one"
    )
    compare_default: list[str] | None = Field(
        None, description="the pair the compare follow-up uses when a request names none (null: no such pair)"
    )
    failed: dict[str, str] = Field(
        default_factory=dict,
        description="models of the manifest that are not served, each with the reason (GET /health says 'degraded')",
    )
    ig_steps: int = Field(description="the Integrated Gradients points a request gets when it names no ig_steps")
    ig_max_steps: int = Field(
        description="the most ig_steps a request may ask for (the FACEXAI_IG_MAX_STEPS setting); more get 422"
    )


class HealthResponse(BaseModel):
    status: str = Field(
        description="'ok' once every model is loaded; 'degraded' (still 200) when some are served and others "
        "failed to load (named in `failed`); 'loading' until then; 'failed' if no model could be loaded"
    )
    models_loaded: int
    models_total: int = Field(description="the models the manifest names")
    models: list[str] = Field(description="the models loaded so far")
    detail: str | None = Field(None, description="why loading failed, when it did")
    failed: dict[str, str] = Field(
        default_factory=dict, description="each model that failed to load -> the reason ('degraded')"
    )
    store: str = Field(
        description="where the faces follow-ups need are kept: 'memory' (this process), 'redis' (shared by every "
        "replica), or 'unavailable' while Redis does not answer"
    )
