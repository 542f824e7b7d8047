"""Every Python block of the README runs as pasted, and its printed output is true."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_the_readme_has_python_blocks():
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block_runs_as_pasted(block, pyplot, capsys):
    exec(compile(block, str(README), "exec"), {"__name__": "__readme__"})
    # A printed line with its output in a trailing comment must print just that.
    expected = [
        comment.strip()
        for line in block.splitlines()
        if line.startswith("print(") and "#" in line
        for comment in [line.split("#", 1)[1]]
    ]
    # A print wrapped over lines would carry its comment on its last line,
    # unchecked; keep each checked print on one line.
    assert not re.search(r"^\)[ \t]+#", block, flags=re.MULTILINE)
    printed = capsys.readouterr().out.splitlines()
    if expected:
        assert printed[-len(expected) :] == expected
