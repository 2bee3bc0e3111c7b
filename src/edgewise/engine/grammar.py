"""OpenAI ``response_format`` to a GBNF grammar that llama.cpp enforces while sampling.

``json_object`` uses llama.cpp's generic JSON grammar; ``json_schema`` is checked
with ``jsonschema`` (so a broken schema is a 400 with a useful message, not a
grammar crash) and converted by llama-cpp-python's JSON-schema-to-GBNF converter.
"""

from __future__ import annotations

import json
from typing import Any

from edgewise.errors import InvalidSchema

_MAX_SCHEMA_BYTES = 64 * 1024


def json_object_grammar() -> str:
    from llama_cpp.llama_grammar import JSON_GBNF

    return str(JSON_GBNF)


def json_schema_grammar(schema: Any) -> str:
    """GBNF for ``schema``; raises :class:`InvalidSchema` (400) if it is not a usable JSON Schema."""
    import jsonschema

    if not isinstance(schema, dict):
        raise InvalidSchema("response_format.json_schema.schema must be a JSON object.", param="response_format")
    text = json.dumps(schema)
    if len(text) > _MAX_SCHEMA_BYTES:
        raise InvalidSchema(f"The JSON schema is larger than {_MAX_SCHEMA_BYTES} bytes.", param="response_format")
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise InvalidSchema(f"Invalid JSON schema: {exc.message}", param="response_format") from exc
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    try:
        return str(json_schema_to_gbnf(text))
    except RecursionError as exc:
        raise InvalidSchema("The JSON schema nests too deeply to compile.", param="response_format") from exc
    except Exception as exc:  # the converter raises bare exceptions for unsupported constructs
        raise InvalidSchema(f"This JSON schema cannot be enforced: {exc}", param="response_format") from exc


__all__ = ["json_object_grammar", "json_schema_grammar"]
