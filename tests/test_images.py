import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from facexai.core.errors import ImageTooLarge, InvalidImage, UnsupportedType
from facexai.core.images import decode_image, sniff_format
from facexai.core.photos import PhotoLimits

LIMIT = PhotoLimits.max_pixels


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


def big_photo(width: int, height: int) -> Image.Image:
    """A smooth photo-like gradient with a dark square a quarter in from the left and the top."""
    x = np.linspace(0, 255, width, dtype=np.float32)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    pixels = np.stack(np.broadcast_arrays(x + 0 * y, y + 0 * x, (x + y) / 2), axis=-1).astype(np.uint8)
    pixels[height // 4 : height // 2, width // 4 : width // 2] = 20
    return Image.fromarray(pixels)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_large_photo_is_decoded_reduced_but_keeps_its_size(fmt):
    img = big_photo(4000, 2400)
    data = encode(img, fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    full = decode_image(data, LIMIT)
    reduced = decode_image(data, LIMIT, needed_side=800)
    assert not full.reduced and full.pixels.shape == (2400, 4000, 3)
    # JPEG: libjpeg's 1/4 scale (1/5 is not one of its scales); PNG: decoded whole, then 1/5
    assert reduced.pixels.shape == ((600, 1000, 3) if fmt == "JPEG" else (480, 800, 3))
    assert reduced.reduced and (reduced.width, reduced.height) == (4000, 2400) and reduced.format == fmt.lower()
    h, w = reduced.pixels.shape[:2]
    shrunk = np.asarray(Image.fromarray(full.pixels).resize((w, h), Image.Resampling.BOX), dtype=float)
    assert np.abs(reduced.pixels - shrunk).mean() < 2  # the same picture, only smaller
    dark = reduced.pixels[h // 4 + 2 : h // 2 - 2, w // 4 + 2 : w // 2 - 2]
    assert dark.max() < 40  # the square is where it was, in proportion


def test_reduced_decoding_never_goes_below_the_side_asked_for():
    for width, height in [(1599, 1000), (1600, 1000), (8001, 4999), (7745, 5164), (20000, 2000)]:
        data = encode(Image.new("RGB", (width, height), (90, 120, 150)), "JPEG")
        decoded = decode_image(data, LIMIT, needed_side=800)
        longest = max(decoded.pixels.shape[:2])
        assert 800 <= longest < 1600 or (longest == max(width, height) < 1600), (width, height)
        assert (decoded.width, decoded.height) == (width, height)


def test_a_reduced_photo_is_turned_upright_with_its_size():
    img = big_photo(3200, 2000)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    decoded = decode_image(encode(img, "JPEG", exif=exif, quality=92), LIMIT, needed_side=800)
    assert (decoded.width, decoded.height) == (2000, 3200)  # upright: tall
    assert decoded.pixels.shape == (800, 500, 3)  # 1/4 scale, turned too
    h, w = decoded.pixels.shape[:2]
    # the dark square, a quarter in from the stored left and top, is now a quarter in from the right and top
    assert decoded.pixels[h // 4 + 4 : h // 2 - 4, w // 2 + 4 : 3 * w // 4 - 4].max() < 40


def test_small_photos_are_decoded_as_they_are():
    data = encode(big_photo(1500, 900), "JPEG")
    decoded = decode_image(data, LIMIT, needed_side=800)
    assert decoded.pixels.shape == (900, 1500, 3) and not decoded.reduced
