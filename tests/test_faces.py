import functools
import hashlib
import io
import os
import pickle
import tarfile
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from facexai.core.errors import NoFaceDetected
from facexai.core.faces import CHIP_SIZE, FaceAligner, largest_face_chip, resize_longest_side
from facexai.core.images import decode_image
from facexai.core.photos import DETECT_MAX_SIDE, DETECTORS, Detector, PhotoLimits

MAX_PIXELS = PhotoLimits.max_pixels


@pytest.fixture(scope="module")
def aligner() -> FaceAligner:
    return FaceAligner()


def load(images_dir, name):
    return decode_image((images_dir / name).read_bytes(), MAX_PIXELS).pixels


def test_astronaut_and_hopper_are_two_faces_each_boxed(aligner, images_dir):
    pixels = load(images_dir, "multi_face_astronaut_hopper.jpg")
    search = aligner.find_faces(pixels)
    assert search.found == 2 and search.skipped == 0
    left, right = search.faces  # returned left to right
    width = pixels.shape[1]
    # the astronaut's face is in the left half, Hopper's in the right half, each at least 80 px
    # wide and not a whole-photo box; the 5 landmarks (eye corners, nose) lie inside each box
    assert left.box.right < width / 2 < right.box.left
    for face in (left, right):
        b = face.box
        assert 80 <= b.right - b.left <= 300 and 80 <= b.bottom - b.top <= 300
        assert np.all((face.landmarks[:, 0] > b.left) & (face.landmarks[:, 0] < b.right))
        assert np.all((face.landmarks[:, 1] > b.top) & (face.landmarks[:, 1] < b.bottom))
        assert face.chip.shape == (CHIP_SIZE, CHIP_SIZE, 3)


def test_boxes_are_in_original_pixels(aligner, images_dir):
    """The 24-megapixel photo is detected at 800 px; its box must come back in full-size pixels."""
    pixels = load(images_dir, "large_astronaut_6000x4000_face_small.jpg")
    (face,) = aligner.find_faces(pixels).faces
    h, w = pixels.shape[:2]
    assert face.box.right - face.box.left > 300  # about 660 px at full size, 88 at 800
    cx, cy = (face.box.left + face.box.right) / 2, (face.box.top + face.box.bottom) / 2
    assert 0.3 * w < cx < 0.7 * w and 0.1 * h < cy < 0.4 * h


def test_a_photo_decoded_reduced_gives_the_same_boxes_and_chips(aligner, images_dir):
    """Chips are cut at 800 px, so decoding the 24-megapixel photo at 1/4 scale loses nothing they use."""
    data = (images_dir / "large_astronaut_6000x4000_face_small.jpg").read_bytes()
    full = decode_image(data, MAX_PIXELS)
    reduced = decode_image(data, MAX_PIXELS, needed_side=DETECT_MAX_SIDE)
    assert reduced.pixels.shape == (1000, 1500, 3) and (reduced.width, reduced.height) == (6000, 4000)
    (whole,) = aligner.find_faces(full.pixels).faces
    (small,) = aligner.find_faces(reduced.pixels, (reduced.width, reduced.height)).faces
    for side in ("left", "top", "right", "bottom"):  # in the full photo's pixels
        assert abs(getattr(small.box, side) - getattr(whole.box, side)) <= 2
    assert np.abs(small.landmarks - whole.landmarks).max() <= 4
    difference = np.abs(small.chip.astype(float) - whole.chip.astype(float))
    assert difference.mean() < 1.5 and small.chip.shape == (CHIP_SIZE, CHIP_SIZE, 3)


def test_the_cap_keeps_the_largest_faces(images_dir):
    pixels = load(images_dir, "multi_face_astronaut_hopper.jpg")
    search = FaceAligner(max_faces=1).find_faces(pixels)
    assert search.found == 2 and search.skipped == 1
    assert search.faces[0].box.left > pixels.shape[1] / 2  # Hopper's face is the larger one


@pytest.mark.parametrize("name", ["skimage__chelsea.png", "gen__noise_512.png", "gen__1x1.png"])
def test_no_face(aligner, images_dir, name):
    with pytest.raises(NoFaceDetected):
        aligner.find_faces(load(images_dir, name))


def test_the_audit_aligns_the_largest_face_as_the_service_does(aligner, images_dir):
    """``largest_face_chip`` (the audit's --align): the largest of the photo's faces, the chip the
    service's aligner cuts; a photo without a face raises. Its partial pickles by reference (Ray)."""
    data = (images_dir / "multi_face_astronaut_hopper.jpg").read_bytes()
    image = PhotoLimits().read(data)
    faces = aligner.find_faces(image.pixels, (image.width, image.height)).faces
    largest = max(faces, key=lambda f: f.box.area)
    align = pickle.loads(pickle.dumps(functools.partial(largest_face_chip, detector="hog")))
    assert np.array_equal(align(data), largest.chip)
    with pytest.raises(NoFaceDetected):
        align((images_dir / "gen__noise_512.png").read_bytes())


def test_detectors_are_named_once():
    """The settings, the CLI and the aligner take the names of core.photos.Detector, a member or its value."""
    assert DETECTORS == ("hog", "cnn")
    assert FaceAligner(Detector.cnn).detector == "cnn"  # a plain name: it goes into messages
    with pytest.raises(ValueError, match="hog, cnn"):
        FaceAligner("sift")


def _collage(images_dir) -> np.ndarray:
    """An 800 x 600 photo of three public-domain faces that the two detectors split between them: the
    astronaut turned 45 degrees (only the CNN detector finds it), Hopper 90 px wide (only HOG, upsampled
    once, finds a face that small) and Hopper 190 px wide (both find it)."""
    import cv2

    def place(canvas, img, x, y, width):
        height = round(img.shape[0] * width / img.shape[1])
        canvas[y : y + height, x : x + width] = cv2.resize(img, (width, height), interpolation=cv2.INTER_AREA)

    astronaut, hopper = load(images_dir, "astronaut.png"), load(images_dir, "grace_hopper.jpg")
    h, w = astronaut.shape[:2]
    turned = cv2.warpAffine(
        astronaut, cv2.getRotationMatrix2D((w / 2, h / 2), 45, 1.0), (w, h), borderMode=cv2.BORDER_REFLECT
    )
    canvas = np.full((600, 800, 3), 128, np.uint8)
    place(canvas, turned, 0, 0, 380)
    place(canvas, hopper, 450, 50, 90)
    place(canvas, hopper, 600, 250, 190)
    return canvas


def _centres(search) -> list[tuple[float, float]]:
    return [((f.box.left + f.box.right) / 2, (f.box.top + f.box.bottom) / 2) for f in search.faces]


@pytest.mark.slow  # the CNN detector: seconds per photo
def test_looking_harder_finds_every_face_either_detector_finds(aligner, images_dir):
    photo = _collage(images_dir)
    fast = aligner.find_faces(photo, detector="hog")
    cnn_only = aligner._detect_cnn(np.ascontiguousarray(photo))
    harder = aligner.find_faces(photo, detector="cnn")
    # each detector misses a face the other finds ...
    assert fast.found == 2 and len(cnn_only) == 2
    # ... and looking harder finds all three, each once: every face of either detector lies inside one
    # of its boxes, and no two of its boxes hold the same face
    assert harder.found == 3 and len(harder.faces) == 3
    cnn_centres = [((r.left() + r.right()) / 2, (r.top() + r.bottom()) / 2) for r, _ in cnn_only]
    for x, y in _centres(fast) + cnn_centres:
        assert sum(f.box.left <= x <= f.box.right and f.box.top <= y <= f.box.bottom for f in harder.faces) == 1
    assert all(face.chip.shape == (CHIP_SIZE, CHIP_SIZE, 3) for face in harder.faces)


@pytest.mark.slow
def test_looking_harder_counts_a_face_both_detectors_find_once(aligner, images_dir):
    pixels = load(images_dir, "multi_face_astronaut_hopper.jpg")
    assert aligner.find_faces(pixels, detector="cnn").found == aligner.find_faces(pixels, detector="hog").found == 2


#: dlib's example photo 2008_007676 (PASCAL VOC, not ours to commit) comes from Debian's source package of
#: dlib, fetched once into the cache; the test skips, saying so, where Debian cannot be reached.
DLIB_SOURCE = "http://deb.debian.org/debian/pool/main/d/dlib/dlib_19.24+dfsg.orig.tar.bz2"
DLIB_SOURCE_SHA256 = "66b4263822a2ff91a3e769e501c7d7927a13089e178c1427ec19cb0475823cf6"
DLIB_EXAMPLE = "dlib-19.24+dfsg/examples/faces/2008_007676.jpg"


def _dlib_example_photo() -> bytes:
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "facexai-test-photos"
    photo = cache / Path(DLIB_EXAMPLE).name
    if not photo.exists():
        try:
            with urllib.request.urlopen(DLIB_SOURCE, timeout=120) as answer:
                archive = answer.read()
        except OSError as error:
            pytest.skip(f"dlib's example photo could not be fetched from Debian ({DLIB_SOURCE}: {error})")
        assert hashlib.sha256(archive).hexdigest() == DLIB_SOURCE_SHA256, "Debian's dlib source changed"
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:bz2") as tar:
            member = tar.extractfile(DLIB_EXAMPLE)
            assert member is not None
            cache.mkdir(parents=True, exist_ok=True)
            photo.write_bytes(member.read())
    return photo.read_bytes()


@pytest.mark.slow  # the CNN detector, and a download of 8.6 MB the first time
def test_looking_harder_finds_all_seven_faces_of_dlibs_example_photo(aligner):
    """dlib's example 2008_007676: HOG (upsampled once) and the CNN detector (upsample 0) each find 6 of
    its 7 faces, not the same 6; looking harder finds all 7."""
    pixels = decode_image(_dlib_example_photo(), MAX_PIXELS).pixels
    small = np.ascontiguousarray(resize_longest_side(pixels, DETECT_MAX_SIDE)[0])  # as the detectors see it
    assert aligner.find_faces(pixels, detector="hog").found == 6
    assert len(aligner._detect_cnn(small)) == 6
    harder = aligner.find_faces(pixels, detector="cnn")
    assert harder.found == 7 and len(harder.faces) == 7
