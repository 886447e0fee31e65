"""Decoding uploads into RGB pixels, safely and in memory.

The format is sniffed from the bytes, never trusted from the file name or the client's
content type; the pixel count is checked from the header before any pixel is decoded, so a
decompression bomb never allocates.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from facexai.errors import ImageTooLarge, InvalidImage, UnsupportedType

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


@dataclass
class DecodedImage:
    pixels: np.ndarray  # (H, W, 3) uint8 RGB, EXIF orientation applied
    format: str

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


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


def decode_image(data: bytes, max_pixels: int) -> DecodedImage:
    """Bytes -> RGB pixels. Raises InvalidImage (400), UnsupportedType (415) or ImageTooLarge (413)."""
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
            img.load()
            upright: Image.Image = ImageOps.exif_transpose(img) or img
            rgb = _to_rgb(upright)
            pixels = np.asarray(rgb, dtype=np.uint8)
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise InvalidImage(f"cannot decode the {fmt.upper()} image: {exc}") from None
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise InvalidImage(f"unexpected decoded shape {pixels.shape}")
    return DecodedImage(pixels=np.ascontiguousarray(pixels), format=fmt)
