import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from facexai.errors import ImageTooLarge, InvalidImage, UnsupportedType
from facexai.images import decode_image, sniff_format

LIMIT = 40_000_000


def encode(img: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height but carries almost no data: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF"])
def test_accepted_formats_decode_to_rgb(fmt):
    img = Image.new("RGB", (40, 30), (200, 100, 50))
    decoded = decode_image(encode(img, fmt), LIMIT)
    assert decoded.pixels.shape == (30, 40, 3) and decoded.pixels.dtype == np.uint8
    assert decoded.format == sniff_format(encode(img, fmt))


def test_gif_gives_its_first_frame():
    frames = [Image.new("RGB", (8, 8), c) for c in ((255, 0, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    pixels = decode_image(buf.getvalue(), LIMIT).pixels
    assert pixels[0, 0, 0] > 200 and pixels[0, 0, 2] < 50


def test_modes_are_converted():
    gray = decode_image(encode(Image.new("L", (4, 4), 77), "PNG"), LIMIT).pixels
    assert gray.shape == (4, 4, 3) and np.all(gray == 77)
    rgba = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    assert np.all(decode_image(encode(rgba, "PNG"), LIMIT).pixels == 255)  # transparent -> white
    cmyk = decode_image(encode(Image.new("CMYK", (4, 4), (0, 0, 0, 0)), "JPEG"), LIMIT).pixels
    assert cmyk.shape == (4, 4, 3) and cmyk.mean() > 240  # no ink is white
    deep = Image.fromarray(np.full((4, 4), 65535, np.uint16))
    assert decode_image(encode(deep, "PNG"), LIMIT).pixels.max() == 255


def test_exif_orientation_is_applied():
    img = Image.new("RGB", (60, 20), (0, 0, 0))
    img.paste((255, 255, 255), (0, 0, 10, 20))  # white strip on the left of the stored pixels
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    pixels = decode_image(encode(img, "JPEG", exif=exif, quality=95), LIMIT).pixels
    assert pixels.shape == (60, 20, 3)  # upright: tall
    assert pixels[:10].mean() > 200 and pixels[-10:].mean() < 50  # the strip is now on top


def test_pixel_cap_is_checked_before_decoding():
    bomb = png_header_only(100_000, 100_000)  # 10 gigapixels declared, a few bytes of data
    with pytest.raises(ImageTooLarge, match="megapixels"):
        decode_image(bomb, LIMIT)


def test_bad_data():
    with pytest.raises(InvalidImage, match="empty"):
        decode_image(b"", LIMIT)
    with pytest.raises(UnsupportedType):
        decode_image(b"hello, this is text named photo.jpg", LIMIT)
    with pytest.raises(UnsupportedType):
        decode_image(b"%PDF-1.4\n", LIMIT)
    jpeg = encode(Image.new("RGB", (64, 64), (10, 20, 30)), "JPEG")
    with pytest.raises(InvalidImage):
        decode_image(jpeg[: len(jpeg) // 2], LIMIT)
    with pytest.raises(InvalidImage):
        decode_image(b"\x89PNG\r\n\x1a\n garbage", LIMIT)


def test_shared_exif_photo_matches_upright_original(images_dir):
    upright = decode_image((images_dir / "astronaut.png").read_bytes(), LIMIT).pixels.astype(float)
    rotated = decode_image((images_dir / "exif_orientation_6_astronaut.jpg").read_bytes(), LIMIT).pixels.astype(float)
    assert rotated.shape == upright.shape
    same = np.abs(rotated - upright).mean()
    sideways = np.abs(np.rot90(rotated) - upright).mean()
    assert same < 10 < sideways
