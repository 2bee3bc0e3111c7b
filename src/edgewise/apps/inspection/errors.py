"""Errors of the inspection app, as branches of the one tree in :mod:`edgewise.errors`::

    InvalidRequest (400)
    └── InvalidImage            400  invalid_image      corrupt, empty, non-image or absurdly large picture
    PayloadTooLarge (413)
    └── ImageTooLarge           413  image_too_large    more pixels than ``inspection.max_pixels``
    NotFound (404)
    └── DetectorNotFound        404  detector_not_found no such registered detector
    EdgewiseError (500)
    └── TrainingError           500  training_error     not enough usable normal images
"""

from __future__ import annotations

from edgewise.errors import EdgewiseError, InvalidRequest, NotFound, PayloadTooLarge


class InvalidImage(InvalidRequest):
    code = "invalid_image"


class ImageTooLarge(PayloadTooLarge):
    code = "image_too_large"


class DetectorNotFound(NotFound):
    code = "detector_not_found"


class TrainingError(EdgewiseError):
    status_code = 400
    code = "training_error"
    type = "invalid_request_error"


__all__ = ["DetectorNotFound", "ImageTooLarge", "InvalidImage", "TrainingError"]
