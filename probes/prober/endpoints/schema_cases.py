"""The JSON schemas the structured-output probes ask for, and a checker for the subset they use.

Each case is small and bounded (enums, short strings, integer ranges, few items) so that even a
tiny model finishes the JSON within the token limit once a server enforces the schema; the
schemas stay inside what OpenAI's strict mode accepts (every property required, no extra keys).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    """A strict object schema: every property required, nothing else allowed."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


SHORT_STRING = {"type": "string", "maxLength": 12}
SMALL_INT = {"type": "integer", "minimum": 0, "maximum": 99}


@dataclass(frozen=True)
class SchemaCase:
    """One structured-output request: what to ask for and the schema to hold (the probe that asks it
    names its row)."""

    prompt: str
    schema: dict[str, Any]


ARRAY_OF_INTEGERS = SchemaCase(
    "List two small whole numbers.",
    _object({"numbers": {"type": "array", "items": SMALL_INT, "minItems": 1, "maxItems": 3}}),
)

ARRAY_OF_OBJECTS = SchemaCase(
    "List one or two fruits with their colour.",
    _object(
        {
            "fruits": {
                "type": "array",
                "items": _object({"name": SHORT_STRING, "colour": SHORT_STRING}),
                "minItems": 1,
                "maxItems": 2,
            }
        }
    ),
)

ARRAY_OF_STRINGS = SchemaCase(
    "List two colours.",
    _object({"colours": {"type": "array", "items": SHORT_STRING, "minItems": 1, "maxItems": 3}}),
)

BOOLEAN_TYPES = SchemaCase(
    "Is water wet? Is fire cold?",
    _object({"water_is_wet": {"type": "boolean"}, "fire_is_cold": {"type": "boolean"}}),
)

FLOAT_TYPES = SchemaCase(
    "Give a price and a weight.",
    _object(
        {
            "price": {"type": "number", "minimum": 0, "maximum": 99},
            "weight": {"type": "number", "minimum": 0, "maximum": 99},
        }
    ),
)

INTEGER_TYPES = SchemaCase(
    "Give an age and a count.",
    _object({"age": SMALL_INT, "count": SMALL_INT}),
)

MIXED_TYPES_STRUCTURES = SchemaCase(
    "Describe a pet.",
    _object(
        {
            "name": SHORT_STRING,
            "age": SMALL_INT,
            "friendly": {"type": "boolean"},
            "kind": {"type": "string", "enum": ["cat", "dog"]},
            "toys": {"type": "array", "items": SHORT_STRING, "maxItems": 2},
        }
    ),
)

NESTED_OBJECTS = SchemaCase(
    "Give a person's name and home city.",
    _object({"person": _object({"name": SHORT_STRING, "home": _object({"city": SHORT_STRING})})}),
)

STRING_TYPES = SchemaCase(
    "Give a first name and a colour.",
    _object({"first_name": SHORT_STRING, "colour": {"type": "string", "enum": ["red", "green", "blue"]}}),
)


_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


def schema_problems(value: Any, schema: dict[str, Any], where: str = "$", limit: int = 3) -> list[str]:
    """How ``value`` breaks ``schema`` (the keywords the cases use); empty when it satisfies it."""
    problems: list[str] = []
    kind = schema.get("type")
    if kind is not None:
        is_bool = isinstance(value, bool)
        fits = isinstance(value, _TYPES[kind]) and (kind == "boolean" or not is_bool)
        if kind == "integer" and isinstance(value, float) and value.is_integer():
            fits = True
        if not fits:
            return [f"{where} is {_kind_of(value)}, not {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where} is {value!r}, not one of {schema['enum']}")
    if isinstance(value, str) and "maxLength" in schema and len(value) > schema["maxLength"]:
        problems.append(f"{where} is longer than {schema['maxLength']} characters")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append(f"{where} is below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            problems.append(f"{where} is above {schema['maximum']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            problems.append(f"{where} has {len(value)} items, fewer than {schema['minItems']}")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            problems.append(f"{where} has {len(value)} items, more than {schema['maxItems']}")
        for index, item in enumerate(value):
            problems += schema_problems(item, schema.get("items", {}), f"{where}[{index}]", limit)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        problems += [f"{where} misses {key!r}" for key in schema.get("required", []) if key not in value]
        if schema.get("additionalProperties") is False:
            problems += [f"{where} has the extra key {key!r}" for key in value if key not in properties]
        for key, sub in properties.items():
            if key in value:
                problems += schema_problems(value[key], sub, f"{where}.{key}", limit)
    return problems[:limit]


def _kind_of(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")
