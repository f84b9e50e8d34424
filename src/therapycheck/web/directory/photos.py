"""A profile photo: checked and re-made with Pillow before anything is stored.

The upload must be a real JPEG, PNG or WebP image (Pillow reads it; the name and the
browser's content type are not trusted), at most MAX_UPLOAD_BYTES and MAX_PIXELS, and at
least MIN_SIDE pixels wide and high. It is turned upright (EXIF orientation), shrunk to
fit OUTPUT_SIDE, and its pixels copied into a new image, so no metadata (location,
camera, names) survives. Stored as JPEG, or PNG when it has transparency.
"""

from __future__ import annotations

import io
import uuid
import warnings
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000
MIN_SIDE = 100
OUTPUT_SIDE = 600
ACCEPTED_FORMATS = frozenset(("JPEG", "PNG", "WEBP"))


def process_photo(upload: IO[bytes], size: int | None) -> ContentFile[bytes]:
    """The cleaned photo as a file to store; ValidationError with a plain reason if not."""
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValidationError("This photo is too large. Choose a file under 5 MB.")
    not_an_image = ValidationError("This file is not a photo we can read. Use a JPEG or PNG.")
    try:
        with warnings.catch_warnings():
            # Pillow warns, then refuses, on "decompression bombs"; we refuse earlier.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                if image.format not in ACCEPTED_FORMATS:
                    raise not_an_image
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise ValidationError(
                        "This photo has too many pixels. Use one under 25 megapixels."
                    )
                if min(width, height) < MIN_SIDE:
                    raise ValidationError(
                        f"This photo is too small. Use one at least {MIN_SIDE} pixels wide "
                        "and high."
                    )
                image.load()
                upright = ImageOps.exif_transpose(image) or image
                has_alpha = upright.mode in ("RGBA", "LA") or (
                    upright.mode == "P" and "transparency" in upright.info
                )
                work = upright.convert("RGBA" if has_alpha else "RGB")
                work.thumbnail((OUTPUT_SIDE, OUTPUT_SIDE), Image.Resampling.LANCZOS)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise not_an_image from None
    except (OSError, ValueError, SyntaxError):
        # A truncated or damaged file.
        raise not_an_image from None
    # Pixels only: a fresh image carries no EXIF, XMP, ICC or text chunks.
    clean = Image.frombytes(work.mode, work.size, work.tobytes())
    out = io.BytesIO()
    if has_alpha:
        clean.save(out, format="PNG", optimize=True)
        extension = "png"
    else:
        clean.save(out, format="JPEG", quality=85, optimize=True)
        extension = "jpg"
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")


def content_type_of(name: str) -> str:
    return "image/png" if name.endswith(".png") else "image/jpeg"
