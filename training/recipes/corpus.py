"""Choosing permissively licensed Python sources on this machine to train the bundled model on."""

from __future__ import annotations

import re
import sysconfig
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

# Held out for evaluation by the project: never mined, installed or trained on.
RESERVED = frozenset(
    {
        "boltons",
        "toolz",
        "cytoolz",
        "arrow",
        "marshmallow",
        "humanize",
        "pendulum",
        "more-itertools",
    }
)
# Our own code and test tools are not corpus.
EXCLUDED = frozenset({"hoverdoc"})

_PERMISSIVE_SPDX = re.compile(
    r"^(MIT(-0|-CMU)?|0BSD|BSD(-\d-Clause.*)?|Apache-2\.0|Apache|PSF-2\.0|PSFL|Python-2\.0|CNRI-Python|"
    r"ISC|Zlib|Unlicense|CC0-1\.0|HPND|BSL-1\.0|NCSA|X11|Apache-2\.0 WITH LLVM-exception)$",
    re.IGNORECASE,
)
_COPYLEFT = re.compile(r"\b(A?GPL|LGPL|MPL|EPL|CDDL|Mozilla|General Public|copyleft)\b", re.IGNORECASE)
_PERMISSIVE_TEXT = re.compile(
    r"\b(MIT|BSD|Apache|PSF|Python Software Foundation|ISC|zlib|Unlicense|public domain|HPND|CC0)\b",
    re.IGNORECASE,
)


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def is_reserved(name: str) -> bool:
    """Whether a distribution or import name is held out for evaluation."""
    return canonical(name) in RESERVED or canonical(name).replace("-", "_") in {
        r.replace("-", "_") for r in RESERVED
    }


def _spdx_permissive(expression: str) -> bool:
    expression = expression.strip().strip("()")
    if " OR " in expression:
        return any(_spdx_permissive(part) for part in expression.split(" OR "))
    if " AND " in expression:
        return all(_spdx_permissive(part) for part in expression.split(" AND "))
    return bool(_PERMISSIVE_SPDX.match(expression.strip().strip("()")))


def classify_license(meta: metadata.PackageMetadata) -> tuple[str, bool]:
    """(license as recorded, whether it is permissive) from a distribution's metadata."""
    expression = meta.get("License-Expression")
    if expression:
        return expression, _spdx_permissive(expression)
    classifiers = [
        c.split("::")[-1].strip() for c in (meta.get_all("Classifier") or []) if c.startswith("License")
    ]
    text = (meta.get("License") or "").strip()
    if classifiers:
        label = "; ".join(classifiers)
        if any(_COPYLEFT.search(c) for c in classifiers):
            return label, False
        return label, all(_PERMISSIVE_TEXT.search(c) for c in classifiers)
    first_line = text.splitlines()[0][:80] if text else "unknown"
    if not text or text.upper() == "UNKNOWN" or _COPYLEFT.search(text):
        return first_line, False
    return first_line, bool(_PERMISSIVE_TEXT.search(text))


@dataclass
class Package:
    """A source package to mine: its name, license and folders."""

    name: str
    license: str
    roots: list[Path]


def stdlib_package() -> Package:
    """The Python standard library (PSF license)."""
    return Package("stdlib", "PSF-2.0", [Path(sysconfig.get_paths()["stdlib"])])


def installed_packages(site_dirs: list[Path]) -> tuple[list[Package], list[tuple[str, str]]]:
    """Permissive distributions in ``site_dirs`` and, separately, the (name, reason) of those skipped."""
    chosen: dict[str, Package] = {}
    skipped: list[tuple[str, str]] = []
    for site in site_dirs:
        for dist in metadata.distributions(path=[str(site)]):
            name = dist.metadata.get("Name") or ""
            key = canonical(name)
            if not key or key in chosen or key in EXCLUDED:
                continue
            if is_reserved(key):
                skipped.append((name, "reserved for evaluation"))
                continue
            label, permissive = classify_license(dist.metadata)
            if not permissive:
                skipped.append((name, f"license: {label}"))
                continue
            roots = sorted(
                {
                    Path(site, str(f).split("/")[0])
                    for f in (dist.files or [])
                    if str(f).endswith(".py")
                    and "/" in str(f)
                    and not str(f).startswith((".", ".."))
                    and ".dist-info" not in str(f)
                    and ".data/" not in str(f)
                }
            )
            roots = [r for r in roots if r.is_dir() and not is_reserved(r.name)]
            if roots:
                chosen[key] = Package(name, label, roots)
    return sorted(chosen.values(), key=lambda p: canonical(p.name)), skipped
