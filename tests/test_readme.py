"""Every Python block of the README runs as pasted, and its printed output is true.

So do the command lines of its command-line section, after the Python block
that writes their files.
"""

import re
import shlex
from pathlib import Path

import pytest

from threshold_estimator.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
TEXT = README.read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.DOTALL)
COMMAND_LINE = TEXT.split("## From the command line", 1)[1].split("\n## ", 1)[0]


def test_the_readme_has_python_blocks():
    assert len(BLOCKS) >= 4


def _run_block(block, capsys):
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


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block_runs_as_pasted(block, pyplot, capsys, tmp_path, monkeypatch):
    # Files a block writes land in a temporary folder.
    monkeypatch.chdir(tmp_path)
    _run_block(block, capsys)


def test_readme_command_lines_run_and_print_what_they_say(
    capsys, tmp_path, monkeypatch
):
    pytest.importorskip("pandas")
    monkeypatch.chdir(tmp_path)
    (data_block,) = re.findall(r"```python\n(.*?)```", COMMAND_LINE, flags=re.DOTALL)
    (commands,) = re.findall(r"```bash\n(.*?)```", COMMAND_LINE, flags=re.DOTALL)
    _run_block(data_block, capsys)
    lines = commands.splitlines()
    ran = 0
    for line, after in zip(lines, [*lines[1:], ""], strict=True):
        if not line.startswith("threshold-estimator "):
            continue
        assert main(shlex.split(line)[1:]) == 0
        ran += 1
        out = capsys.readouterr().out.splitlines()
        if after.startswith("# "):
            assert out[0] == after[2:]
    assert ran == 7
