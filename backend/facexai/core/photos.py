"""A photo on its way to faces: what an uploaded photo may be (``PhotoLimits``, whose defaults the
service's settings take), dlib's detector names (``Detector``) and the longest side detection works
at (``DETECT_MAX_SIDE``). One definition each, read by the service, the API, the command line and the
audit.

No OpenCV or dlib here (``facexai.core.faces`` does the finding), so the command line can name the
detectors without importing them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from facexai.core.errors import check_upload_size
from facexai.core.images import DecodedImage, decode_image


class Detector(str, Enum):
    """dlib's face detectors: the fast HOG one (the default), and ``cnn`` ("Look harder"): the slower CNN
    (MMOD) one together with HOG, overlaps removed."""

    hog = "hog"
    cnn = "cnn"


#: the detectors' names, as the settings, the command line and the aligner accept them
DETECTORS: tuple[str, ...] = tuple(d.value for d in Detector)
DEFAULT_DETECTOR: str = Detector.hog.value

#: Detection, the landmarks and the chips all work on the photo resized to this longest side,
#: never on the full-size photo: FairFace cut its chips from its 800 px photos, our models learnt
#: from those, and so every 300 px chip is cut here from the 800 px image too, whatever the
#: face's size. Pixels beyond 800 px never reach a chip, so a photo need not be decoded larger
#: (images.decode_image's ``needed_side``): libjpeg's 1/2-1/8 scaling gives a longest side of
#: 800-1600 px, which INTER_AREA then takes to 800 as it would the full photo. Chips from it
#: differ from a full decode's by about a grey level (tests/test_faces.py).
DETECT_MAX_SIDE = 800


@dataclass(frozen=True)
class PhotoLimits:
    """What a photo may be: its file's bytes and its decoded pixels. The defaults are the service's
    (``Settings.max_upload_bytes``, ``Settings.max_pixels`` default to them)."""

    max_upload_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000

    def decode(self, data: bytes) -> DecodedImage:
        """A photo's bytes decoded (JPEGs at reduced size where the detector needs no more), its pixel
        count checked first; the file's size is not checked (a file read from a labelled set)."""
        return decode_image(data, self.max_pixels, DETECT_MAX_SIDE)

    def read(self, data: bytes) -> DecodedImage:
        """A photo's file, as uploaded or read from disk: checked and decoded (:meth:`decode`). Needs no
        model, so a caller can refuse bad input first."""
        check_upload_size(len(data), self.max_upload_bytes)
        return self.decode(data)
