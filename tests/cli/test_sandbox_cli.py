"""`sis-desktop-cli sandbox` refuses a speed that is not a finite number before serving
(the other bad settings: tests/sandbox/test_cli.py)."""
from __future__ import annotations

import threading

import pytest

from sis_desktop.cli import sandbox as command
from sis_desktop.cli.main import UsageError, build_parser


@pytest.mark.parametrize("speed", ["nan", "inf"])
def test_a_speed_that_is_not_a_finite_number_is_refused(capsys, speed):
    args = build_parser().parse_args(["sandbox", "--speed", speed])
    stop = threading.Event()
    stop.set()  # should it start serving anyway, it stops at once (and the test fails)
    with pytest.raises(UsageError, match="--speed must be greater than 0"):
        command.handle(args, stop=stop)
    assert capsys.readouterr().out == ""
