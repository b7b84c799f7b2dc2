"""The hover's Markdown: workspace text stays text."""

from __future__ import annotations

import re

from hoverdoc.core.extract import extract
from hoverdoc.server.engine import Summary
from hoverdoc.server.presentation import hover_markdown

SOURCE = '''def render(template=""" x
```
**Injected** ![img](https://attacker.example/p.png)
```python
"""):
    return template
'''


def fences(markdown: str) -> list[str]:
    return re.findall(r"^`{3,}.*$", markdown, flags=re.MULTILINE)


def test_a_signature_with_line_breaks_and_backticks_stays_inside_its_code_block():
    (definition,) = extract(SOURCE)
    markdown = hover_markdown(definition, Summary("Render the template.", "model", "m"))
    opening, closing = fences(markdown)  # nothing inside opens or closes another block
    assert opening == "````python" and closing == "````"
    code = markdown.split("\n")[1]
    assert code.startswith('def render(template=""" x ``` **Injected** ![img]') and "\n" not in code


def test_a_quoted_workspace_summary_cannot_carry_markup():
    (definition,) = extract("def load(path):\n    return path\n")
    quoted = 'Load ![](https://attacker.example/p.png) <img src="https://attacker.example/i.png"> *rows*.'
    markdown = hover_markdown(definition, Summary(quoted, "workspace", "model_<b>"))
    summary = markdown.split("\n\n")[1]
    assert summary == (
        'Load \\!\\[\\](https://attacker.example/p.png) \\<img src="https://attacker.example/i.png"\\>'
        " \\*rows\\*."
    )
    assert re.sub(r"\\(.)", r"\1", summary) == quoted  # each escape stands for the character written
    assert "model\\_\\<b\\>" in markdown  # a workspace model's name is text too
    assert fences(markdown) == ["```python", "```"]
