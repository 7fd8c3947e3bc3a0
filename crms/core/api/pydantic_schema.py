"""OpenAPI components from pydantic models, so the schema documents exactly what is validated.

``ref(Model)`` returns a ``$ref`` usable in ``extend_schema``; the postprocessing
hook adds every referenced model (and its nested definitions) to the components.
"""

from __future__ import annotations

from pydantic import BaseModel

_REGISTERED: dict[str, type[BaseModel]] = {}
REF_TEMPLATE = "#/components/schemas/{model}"


def ref(model: type[BaseModel]) -> dict:
    _REGISTERED[model.__name__] = model
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def add_pydantic_components(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, model in _REGISTERED.items():
        schema = model.model_json_schema(ref_template=REF_TEMPLATE, mode="validation")
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
    return result
