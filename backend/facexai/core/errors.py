"""Named domain errors. The API maps each to its HTTP status and stable ``code`` in one place."""

from __future__ import annotations


class FacexaiError(Exception):
    status_code = 500
    code = "internal_error"
    #: seconds after which a retry may succeed (an HTTP Retry-After header), where that is known
    retry_after_s: int | None = None

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidImage(FacexaiError):
    status_code = 400
    code = "invalid_image"


class UnsupportedType(FacexaiError):
    status_code = 415
    code = "unsupported_type"


class UploadTooLarge(FacexaiError):
    status_code = 413
    code = "upload_too_large"

    @classmethod
    def over(cls, size: int, limit: int) -> UploadTooLarge:
        return cls(f"the upload is {size / 1024 / 1024:.1f} MB; the limit is {limit / 1024 / 1024:.0f} MB")


def check_upload_size(size: int, limit: int) -> None:
    """The one check of an upload's size (the API's body limit adds only the multipart envelope)."""
    if size > limit:
        raise UploadTooLarge.over(size, limit)


class ImageTooLarge(FacexaiError):
    status_code = 413
    code = "image_too_large"


class NoFaceDetected(FacexaiError):
    status_code = 422
    code = "no_face"


class UnknownLabel(FacexaiError):
    status_code = 422
    code = "unknown_label"


class AnalysisNotFound(FacexaiError):
    status_code = 404
    code = "analysis_not_found"


class FaceNotFound(FacexaiError):
    status_code = 404
    code = "face_not_found"


class UnknownModel(FacexaiError):
    status_code = 404
    code = "unknown_model"


class ModelsNotReady(FacexaiError):
    """The models are loading (retry in a few seconds), or their loading failed."""

    status_code = 503
    code = "models_not_ready"

    def __init__(self, detail: str, retry_after_s: int | None = None) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class Busy(FacexaiError):
    """Every analysis slot and every place in the queue is taken: try again shortly."""

    status_code = 503
    code = "busy"

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class StoreUnavailable(FacexaiError):
    """The shared analysis store (Redis) does not answer: uploads and follow-ups cannot be kept or found."""

    status_code = 503
    code = "store_unavailable"
    retry_after_s = 2


class ModelFileMissing(FacexaiError):
    """A model named in the manifest has no file: the service refuses to start."""

    code = "model_file_missing"


class ModelsFailed(FacexaiError):
    """Not one model of the manifest could be loaded (each one's reason in the detail)."""

    code = "models_failed"


class InvalidParameter(FacexaiError):
    status_code = 422
    code = "validation_error"


class ModelsNotComparable(FacexaiError):
    """A comparison asked for one model twice, or for two models that explain different labels."""

    status_code = 422
    code = "models_not_comparable"
