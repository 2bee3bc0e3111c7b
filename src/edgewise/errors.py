"""The one exception tree of Edgewise.

Every subsystem raises subclasses of :class:`EdgewiseError`; the HTTP layer maps
them to OpenAI-style error objects in one place (``server/errors.py``) and the CLI
to a message and a non-zero exit code (``cli.py``)::

    EdgewiseError                       status  code
    ├── ConfigError                     500     config_error
    ├── InvalidRequest                  400     invalid_request_error
    │   ├── ContextLengthExceeded       400     context_length_exceeded
    │   └── InvalidSchema               400     invalid_json_schema
    ├── AuthenticationError             401     invalid_api_key
    ├── NotFound                        404     not_found
    │   └── ModelNotFound               404     model_not_found
    ├── PayloadTooLarge                 413     payload_too_large
    ├── Overloaded                      503     overloaded
    ├── NotReady                        503     not_ready
    └── EngineError                     500     engine_error
        └── ModelLoadError              500     model_load_error

Subsystems add their own branches (``perimeter``, ``uplink`` ...) by subclassing
one of these; the class attributes ``status_code``, ``code`` and ``type`` are all
the HTTP layer needs.
"""

from __future__ import annotations


class EdgewiseError(Exception):
    """Base of every error Edgewise raises on purpose.

    The message is written for the person who sees it: say what went wrong and
    what to do about it.
    """

    status_code: int = 500
    code: str = "internal_error"
    type: str = "server_error"
    param: str | None = None

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if param is not None:
            self.param = param


class ConfigError(EdgewiseError):
    code = "config_error"


class InvalidRequest(EdgewiseError):
    status_code = 400
    code = "invalid_request_error"
    type = "invalid_request_error"


class ContextLengthExceeded(InvalidRequest):
    code = "context_length_exceeded"


class InvalidSchema(InvalidRequest):
    code = "invalid_json_schema"


class AuthenticationError(EdgewiseError):
    status_code = 401
    code = "invalid_api_key"
    type = "authentication_error"


class NotFound(EdgewiseError):
    status_code = 404
    code = "not_found"
    type = "invalid_request_error"


class ModelNotFound(NotFound):
    code = "model_not_found"


class PayloadTooLarge(EdgewiseError):
    status_code = 413
    code = "payload_too_large"
    type = "invalid_request_error"


class Overloaded(EdgewiseError):
    status_code = 503
    code = "overloaded"
    type = "server_error"


class NotReady(EdgewiseError):
    status_code = 503
    code = "not_ready"
    type = "server_error"


class EngineError(EdgewiseError):
    code = "engine_error"


class ModelLoadError(EngineError):
    code = "model_load_error"


__all__ = [
    "AuthenticationError",
    "ConfigError",
    "ContextLengthExceeded",
    "EdgewiseError",
    "EngineError",
    "InvalidRequest",
    "InvalidSchema",
    "ModelLoadError",
    "ModelNotFound",
    "NotFound",
    "NotReady",
    "Overloaded",
    "PayloadTooLarge",
]
