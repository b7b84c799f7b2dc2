"""The bundled model's corpus selection: license metadata and the packages held out for evaluation."""

from __future__ import annotations

from email.message import Message

import pytest

from hoverdoc.training.recipes.corpus import RESERVED, classify_license, is_reserved


def metadata(
    expression: str | None = None, license_text: str | None = None, classifiers: tuple[str, ...] = ()
) -> Message:
    message = Message()
    if expression:
        message["License-Expression"] = expression
    if license_text:
        message["License"] = license_text
    for classifier in classifiers:
        message["Classifier"] = classifier
    return message


@pytest.mark.parametrize(
    ("meta", "permissive"),
    [
        (metadata("MIT"), True),
        (metadata("BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0"), True),
        (metadata("Apache-2.0 OR BSD-2-Clause"), True),
        (metadata("MPL-2.0 AND MIT"), False),
        (metadata("GPL-3.0-or-later"), False),
        (metadata("Apache-2.0 WITH LLVM-exception"), True),
        (metadata(classifiers=("License :: OSI Approved :: BSD License",)), True),
        (
            metadata(
                classifiers=(
                    "License :: OSI Approved :: MIT License",
                    "License :: OSI Approved :: Apache Software License",
                )
            ),
            True,
        ),
        (
            metadata(
                classifiers=(
                    "License :: OSI Approved :: BSD License",
                    "License :: OSI Approved :: GNU General Public License (GPL)",
                )
            ),
            False,
        ),
        (metadata(classifiers=("License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)",)), False),
        (metadata(license_text="Copyright (c) 2001 Someone. BSD style license."), True),
        (metadata(license_text="UNKNOWN"), False),
        (metadata(), False),
    ],
)
def test_license_classification(meta, permissive):
    assert classify_license(meta)[1] is permissive


def test_reserved_packages_are_recognised_in_any_spelling():
    assert {
        "boltons",
        "toolz",
        "cytoolz",
        "arrow",
        "marshmallow",
        "humanize",
        "pendulum",
        "more-itertools",
    } == RESERVED
    assert is_reserved("more_itertools") and is_reserved("More-Itertools") and is_reserved("Pendulum")
    assert not is_reserved("requests")
