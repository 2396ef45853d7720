"""The child's filesystem fence: it reads no answer key and changes nothing outside its copy."""

import shutil

import pytest

from autograder import fence
from autograder.grade import grade
from autograder.spec import REFERENCE, SOLUTIONS

NAME = "a1_tensor_autodiff"
FENCED, WHY = fence.available()
pytestmark = pytest.mark.skipif(not FENCED, reason=f"no filesystem fence here: {WHY}")

MUL_RULE = "    def _mul_backward(out, g):\n"
PRYING = """        import os
        seen = []
        for path in {secrets!r}:
            try:
                with open(path) as file:
                    seen.append("read " + path + ": " + file.read(40))
            except OSError as error:
                seen.append("could not read " + path + ": " + error.strerror)
        for path in {targets!r}:
            try:
                os.remove(path)
                seen.append("deleted " + path)
            except OSError as error:
                seen.append("could not delete " + path + ": " + error.strerror)
        raise RuntimeError(" | ".join(seen))
"""


def test_a_submission_can_read_no_answer_key_and_delete_nothing_outside_its_copy(tmp_path):
    outside = tmp_path / "instructor_file.txt"
    outside.write_text("keep me")
    secrets = [str(REFERENCE / "tensor.py"), str(SOLUTIONS / "tasks.toml")]
    submission = tmp_path / "submission"
    shutil.copytree(SOLUTIONS / NAME, submission)
    (submission / "own_file.txt").write_text("mine")
    tensor = submission / "mygrad" / "tensor.py"
    targets = [str(outside), "own_file.txt"]
    source = tensor.read_text()
    assert MUL_RULE in source
    tensor.write_text(
        source.replace(MUL_RULE, MUL_RULE + PRYING.format(secrets=secrets, targets=targets))
    )

    result = grade(NAME, submission)

    task = next(t for t in result.tasks if t.task.id == "1.3")
    message = next(p for p in task.problems if "RuntimeError" in p)
    for secret in secrets:
        assert f"could not read {secret}" in message, message
    assert f"could not delete {outside}: Read-only file system" in message, message
    assert "deleted own_file.txt" in message, message  # its own copy is its to change
    assert outside.read_text() == "keep me"
    assert (submission / "own_file.txt").exists(), "the grader must work on a copy"
    assert result.isolation == "a child process behind a filesystem fence, in a PID namespace"
    # Only mul's cases fail; div's still score: 4 of Task 1.3's 9 cases.
    assert task.score == pytest.approx(2 * 4 / 9, abs=0.01)
