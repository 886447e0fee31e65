from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile
from starlette.concurrency import run_in_threadpool

from facexai.api.deps import AdmissionDep, AnalyzerDep, IGOptionsDep, MeasureFaithfulness, SettingsDep
from facexai.api.handlers import UNAVAILABLE
from facexai.api.schemas import AnalyzeResponse, Detector, ErrorResponse, ExplainMode

router = APIRouter(tags=["analysis"])

ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorResponse, "description": "invalid_image: the data cannot be decoded"},
    413: {"model": ErrorResponse, "description": "upload_too_large or image_too_large"},
    415: {"model": ErrorResponse, "description": "unsupported_type: not an image"},
    422: {"model": ErrorResponse, "description": "no_face, or validation_error"},
    503: UNAVAILABLE,
}


@router.post("/analyze", response_model=AnalyzeResponse, responses=ERRORS)
async def analyze(
    analyzer: AnalyzerDep,
    admission: AdmissionDep,
    settings: SettingsDep,
    ig: IGOptionsDep,
    file: Annotated[UploadFile, File(description="a photo: JPEG, PNG, WebP, BMP, TIFF or GIF")],
    align: Annotated[bool, Query(description="false: the upload is an already aligned face chip")] = True,
    explain: Annotated[ExplainMode, Query(description="which explanations to compute")] = ExplainMode.both,
    faithfulness: MeasureFaithfulness = False,
    detector: Annotated[
        Detector | None,
        Query(
            description="hog: dlib's fast detector; cnn (look harder): its CNN detector's faces and the fast "
            "one's, overlaps removed: more turned, small or partly hidden faces, for seconds more per photo "
            "(default: the service's setting)"
        ),
    ] = None,
) -> AnalyzeResponse:
    """Every face in the photo: its box, aligned chip, every model's prediction and explanations.

    For a fast first answer ask `explain=grad_cam` (predictions and Grad-CAM for all models),
    then fetch Integrated Gradients per model from `/analyses/{analysis_id}/faces/{i}/explanations/{model}`.
    """
    data = await file.read(settings.max_upload_bytes + 1)  # one byte more tells an oversized upload
    await file.close()
    async with admission.slot():  # decoding a large photo is part of the memory an analysis takes
        result = await run_in_threadpool(
            analyzer.analyze_photo, data, align, explain.methods, ig, faithfulness, detector.value if detector else None
        )
    return AnalyzeResponse.model_validate(result)
