"""Generated Python functions documented in one consistent house style (a stand-in for a team's code)."""

from __future__ import annotations

import random

NOUNS = [
    "user",
    "order",
    "invoice",
    "account",
    "session",
    "report",
    "ticket",
    "payment",
    "device",
    "record",
    "token",
    "profile",
    "message",
    "channel",
    "bucket",
    "job",
    "schedule",
    "metric",
    "license",
    "address",
]
FIELDS = [
    "name",
    "status",
    "total",
    "owner",
    "email",
    "balance",
    "priority",
    "size",
    "timestamp",
    "region",
    "currency",
    "label",
    "count",
    "score",
    "limit",
    "title",
    "quota",
    "version",
    "level",
    "code",
]
# verb -> (house-style summary template, body template)
VERBS = {
    "fetch": (
        "Fetch the {field} of a {noun} from the registry.",
        "    entry = registry.lookup({noun}_id)\n    return entry.{field}",
    ),
    "update": (
        "Update the {field} of a {noun} and persist the change.",
        "    {noun}.{field} = value\n    store.save({noun})",
    ),
    "validate": (
        "Check that the {field} of a {noun} is acceptable.",
        "    if not {noun}.{field}:\n        raise ValueError('missing {field}')\n    return True",
    ),
    "count": (
        "Count the {noun} records with the given {field}.",
        "    matches = [r for r in records if r.{field} == value]\n    return len(matches)",
    ),
    "format": (
        "Render the {field} of a {noun} for display.",
        "    text = str({noun}.{field})\n    return text.strip()",
    ),
    "delete": (
        "Remove the {field} from a {noun} in the registry.",
        "    registry.clear({noun}_id, '{field}')\n    audit.log('deleted {field}')",
    ),
}


def make_record(verb: str, noun: str, field: str) -> dict:
    """One generated function with its summary."""
    summary_template, body = VERBS[verb]
    name = f"{verb}_{noun}_{field}"
    params = {
        "fetch": f"{noun}_id, registry",
        "update": f"{noun}, value, store",
        "validate": f"{noun}",
        "count": "records, value",
        "format": f"{noun}",
        "delete": f"{noun}_id, registry, audit",
    }[verb]
    code = f"def {name}({params}):\n" + body.format(noun=noun, field=field)
    summary = summary_template.format(noun=noun, field=field)
    return {"code": code, "summary": summary, "name": name, "path": f"pkg/{noun}.py", "language": "python"}


def generate_records(count: int, seed: int = 0) -> list[dict]:
    """``count`` distinct generated pairs."""
    combos = [(v, n, f) for v in VERBS for n in NOUNS for f in FIELDS]
    random.Random(seed).shuffle(combos)
    return [make_record(*combo) for combo in combos[:count]]


def write_repository(root, count: int, seed: int = 0) -> int:
    """A fixture repository: one module per noun, every function documented in the house style."""
    from pathlib import Path

    root = Path(root)
    modules: dict[str, list[str]] = {}
    for record in generate_records(count, seed):
        body = record["code"].split("\n")
        documented = [body[0], f'    """{record["summary"]}"""', *body[1:]]
        modules.setdefault(record["path"], []).append("\n".join(documented))
    for path, functions in modules.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text('"""Generated module."""\n\n\n' + "\n\n\n".join(functions) + "\n")
    return sum(len(f) for f in modules.values())
