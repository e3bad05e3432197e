"""A new preset is one entry in massdriver.yaml and one examples/ folder: in a copy of the bundle with only
those two edits, the build, the browser test and the e2e take it up by themselves (``tests/new_preset_run.py``
runs them, beside this session's own e2e)."""

from __future__ import annotations

import pytest

from tests import new_preset_run
from tests.new_preset_run import NAME, SLUG

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_a_preset_added_in_one_entry_and_one_folder_is_built_rendered_and_deployed():
    outcome = new_preset_run.result()
    assert outcome.failure is None, outcome.failure
    assert f"| {NAME} | `db.t4g.medium` writer + 1 reader across AZs |" in outcome.readme
    # The bundle's own checks of presets and examples hold for it.
    assert "test_every_preset_has_its_example_and_the_character_of_its_kind" in outcome.passed["yaml"]
    assert any(SLUG in case for case in outcome.passed["browser"]), outcome.passed["browser"]
    assert {f"{test}[{SLUG}]" for test in ("test_full_cycle_succeeds", "test_second_plan_has_nothing_to_do",
                                           "test_plan_builds_a_secure_cluster",
                                           "test_decommission_leaves_nothing_but_the_key_and_the_final_snapshot")
            } <= outcome.passed["e2e"], outcome.passed["e2e"]
