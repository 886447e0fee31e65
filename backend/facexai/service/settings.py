"""Service settings: every knob has a safe default and a FACEXAI_* environment variable."""

from __future__ import annotations

import socket
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from facexai.core.machine import REPO_ROOT, cpu_cores
from facexai.core.photos import Detector, PhotoLimits
from facexai.explain.options import MIN_STEPS, ExplainedOutput, IGOptions, QuadratureRule


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FACEXAI_", protected_namespaces=())

    models_manifest: Path = Field(REPO_ROOT / "models" / "manifest.json", description="the model manifest to serve")
    frontend_dist: Path = Field(REPO_ROOT / "frontend" / "dist", description="built web app served at / when present")
    max_upload_bytes: int = Field(
        PhotoLimits.max_upload_bytes, gt=0, description="uploads above this get 413 upload_too_large"
    )
    max_pixels: int = Field(
        PhotoLimits.max_pixels, gt=0, description="decoded images above this get 413 image_too_large"
    )
    max_faces: int = Field(10, ge=1, le=100, description="faces analysed per photo, largest first")
    detector: Detector = Field(Detector.hog, description="dlib's face detector a request gets when it names none")
    detector_upsample: int = Field(1, ge=0, le=3)
    cnn_detector_upsample: int = Field(
        0, ge=0, le=2, description="upsampling of the CNN detector (each level costs about 4x; 0 finds faces >= ~80 px)"
    )
    detection_threshold: float = Field(0.1, description="dlib HOG score a detection must exceed")
    ig_steps: int = Field(IGOptions.steps, ge=MIN_STEPS, le=512)
    ig_max_steps: int = Field(256, ge=MIN_STEPS, le=1024, description="the most steps a request may ask for")
    ig_rule: QuadratureRule = IGOptions.rule
    ig_output: ExplainedOutput = IGOptions.output
    ig_batch_size: int = Field(16, ge=1, le=256)
    analysis_ttl_s: int = Field(600, ge=10, description="how long aligned faces stay in memory for follow-ups")
    analysis_cache_size: int = Field(32, ge=1, description="the most analyses kept in memory")
    redis_url: str | None = Field(
        None,
        description="redis://host:port/db: keep the faces follow-ups need in Redis, shared by every replica, "
        "for analysis_ttl_s (unset: in this process's memory)",
    )
    replica_name: str = Field(
        default_factory=socket.gethostname, description="the X-Facexai-Replica header of every answer (host name)"
    )
    warm_up: bool = Field(True, description="trace every compiled function at start-up")
    load_in_background: bool = Field(
        True, description="serve at once and load the models in the background (/health says 503 loading until then)"
    )
    max_running_analyses: int = Field(
        default_factory=cpu_cores, ge=1, description="analyses (model runs) at once; default: the number of cores"
    )
    max_queued_analyses: int = Field(
        default_factory=lambda: 2 * cpu_cores(), ge=0, description="analyses waiting for a turn; beyond it 503 busy"
    )
    busy_retry_after_s: int = Field(5, ge=1, description="the Retry-After header of a 503 busy answer")

    def ig_defaults(self) -> IGOptions:
        """The service's IG options when a request names none."""
        return IGOptions(steps=self.ig_steps, rule=self.ig_rule, output=self.ig_output)

    def photo_limits(self) -> PhotoLimits:
        """What an uploaded photo may be, as these settings say."""
        return PhotoLimits(self.max_upload_bytes, self.max_pixels)


@lru_cache
def get_settings() -> Settings:
    return Settings()
