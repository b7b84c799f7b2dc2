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


def test_a_quoted_workspace_summary_cannot_carry_html():
    (definition,) = extract("def load(path):\n    return path\n")
    quoted = 'Load a table <img src="https://attacker.example/i.png"> & more.'
    markdown = hover_markdown(definition, Summary(quoted, "workspace", "m"))
    assert "<img" not in markdown
    assert 'Load a table &lt;img src="https://attacker.example/i.png"&gt; &amp; more.' in markdown
    assert fences(markdown) == ["```python", "```"]
