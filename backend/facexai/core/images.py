"""Decoding uploads into RGB pixels, safely and in memory.

The format is sniffed from the bytes, never trusted from the file name or the client's
content type; the pixel count is checked from the header before any pixel is decoded, so a
decompression bomb never allocates. A caller that needs fewer pixels than a photo has says so
(``needed_side``): a large JPEG is then decoded at 1/2, 1/4 or 1/8 scale by libjpeg itself
(``Image.draft``), so its full-size pixels never exist; other formats are decoded whole and
reduced at once, before any conversion copies them.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from facexai.core.errors import ImageTooLarge, InvalidImage, UnsupportedType

#: PIL format name -> what we call it; anything else PIL can open is refused as unsupported
ACCEPTED_FORMATS = {
    "JPEG": "jpeg",
    "PNG": "png",
    "WEBP": "webp",
    "BMP": "bmp",
    "TIFF": "tiff",
    "GIF": "gif",
    "MPO": "jpeg",
}
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)

# We enforce our own, configurable limit before decoding; PIL's own check would warn or raise
# with its own message at other thresholds.
Image.MAX_IMAGE_PIXELS = None


#: modes Image.reduce averages correctly; others are converted to RGB first
_REDUCIBLE_MODES = ("RGB", "RGBA", "L", "LA")
#: EXIF orientations that swap width and height (transpose, rotate 270, transverse, rotate 90)
_QUARTER_TURNS = (5, 6, 7, 8)


@dataclass
class DecodedImage:
    pixels: np.ndarray  # (h, w, 3) uint8 RGB, EXIF orientation applied; a reduced copy of a large photo
    format: str
    width: int  # the photo's own size, upright: what boxes are reported in
    height: int

    @property
    def reduced(self) -> bool:
        return self.pixels.shape[:2] != (self.height, self.width)


def sniff_format(data: bytes) -> str | None:
    """The image format the bytes start with, or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    for signature, name in _SIGNATURES:
        if data.startswith(signature):
            return name
    return None


def _to_rgb(img: Image.Image) -> Image.Image:
    if img.mode == "RGB":
        return img
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        hi = arr.max() if arr.size else 0.0
        arr = arr / hi * 255.0 if hi > 0 else arr
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), mode="L")
    if img.mode in ("RGBA", "LA", "RGBa", "La", "PA"):
        # transparent areas become white, as they look in a browser on a white page
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")


def decode_image(data: bytes, max_pixels: int, needed_side: int | None = None) -> DecodedImage:
    """Bytes -> RGB pixels. Raises InvalidImage (400), UnsupportedType (415) or ImageTooLarge (413).

    ``needed_side``: the longest side the caller works at; a photo at least twice as large is
    decoded smaller, but never with its longest side below this.
    """
    if not data:
        raise InvalidImage("the uploaded file is empty")
    sniffed = sniff_format(data)
    if sniffed is None:
        raise UnsupportedType("not an image: expected JPEG, PNG, WebP, BMP, TIFF or GIF data")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise InvalidImage(f"the data starts like {sniffed.upper()} but cannot be read") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise InvalidImage(f"cannot read the {sniffed.upper()} image: {exc}") from None
    fmt = ACCEPTED_FORMATS.get(img.format or "")
    if fmt is None:
        raise UnsupportedType(f"unsupported image format {img.format}")
    width, height = img.size
    if width < 1 or height < 1:
        raise InvalidImage("the image has no pixels")
    if width * height > max_pixels:
        raise ImageTooLarge(
            f"the image is {width}x{height} = {width * height / 1e6:.1f} megapixels;"
            f" the limit is {max_pixels / 1e6:.1f}"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img.seek(0)  # first frame of an animated GIF or multi-page TIFF
            factor = max(width, height) // needed_side if needed_side else 1
            if factor >= 2:
                # JPEG only (elsewhere a no-op): the largest of 1/2, 1/4, 1/8 that keeps the size asked for
                img.draft(None, (math.ceil(width / factor), math.ceil(height / factor)))
            img.load()
            if img.getexif().get(ExifTags.Base.Orientation) in _QUARTER_TURNS:
                width, height = height, width  # the photo's own size, upright
            upright: Image.Image = ImageOps.exif_transpose(img) or img
            if needed_side:
                upright = _reduce(upright, max(upright.size) // needed_side)
            pixels = np.asarray(_to_rgb(upright), dtype=np.uint8)
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise InvalidImage(f"cannot decode the {fmt.upper()} image: {exc}") from None
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise InvalidImage(f"unexpected decoded shape {pixels.shape}")
    return DecodedImage(pixels=np.ascontiguousarray(pixels), format=fmt, width=width, height=height)


def _reduce(img: Image.Image, factor: int) -> Image.Image:
    """Box-average by an integer factor (what cv2.INTER_AREA does), before RGB conversion copies it at full size."""
    if factor < 2:
        return img
    if img.mode not in _REDUCIBLE_MODES:
        img = _to_rgb(img)
    return img.reduce(factor)
