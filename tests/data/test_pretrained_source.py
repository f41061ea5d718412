"""Where MobileNetV2's ImageNet weights come from: the course's copy by default, Keras's download on request.

Keras's own download cannot run offline, so only the choice is tested: what reaches
``keras.applications.MobileNetV2`` (a fake here, so no network and no TensorFlow are touched).
"""

from __future__ import annotations

import sys
import types

import pytest

from cnn_course import data, pretrained


@pytest.fixture
def keras_calls(monkeypatch):
    calls = []
    fake = types.SimpleNamespace(applications=types.SimpleNamespace(MobileNetV2=lambda **kwargs: calls.append(kwargs)))
    monkeypatch.setitem(sys.modules, "keras", fake)
    monkeypatch.delenv(pretrained.WEIGHTS_ENV, raising=False)
    return calls


def test_the_course_copy_is_the_default(keras_calls):
    pretrained.mobilenet_v2_base((160, 160, 3))
    assert keras_calls[-1]["weights"] == str(data.resolve(data.MOBILENET_V2_WEIGHTS))
    assert keras_calls[-1]["input_shape"] == (160, 160, 3) and keras_calls[-1]["include_top"] is False


def test_the_environment_variable_picks_keras_own_download(keras_calls, monkeypatch):
    monkeypatch.setenv(pretrained.WEIGHTS_ENV, "keras")
    pretrained.mobilenet_v2_base()
    assert keras_calls[-1]["weights"] == "imagenet"  # Keras fetches the official file with keras.utils.get_file


def test_the_argument_wins_over_the_environment(keras_calls, monkeypatch):
    monkeypatch.setenv(pretrained.WEIGHTS_ENV, "keras")
    pretrained.mobilenet_v2_base(source="course")
    assert keras_calls[-1]["weights"] == str(data.resolve(data.MOBILENET_V2_WEIGHTS))
    monkeypatch.delenv(pretrained.WEIGHTS_ENV)
    pretrained.mobilenet_v2_base(source="Keras")
    assert keras_calls[-1]["weights"] == "imagenet"


def test_random_weights_and_paths_pass_through(keras_calls, monkeypatch):
    monkeypatch.setenv(pretrained.WEIGHTS_ENV, "keras")
    pretrained.mobilenet_v2_base(weights=None)
    pretrained.mobilenet_v2_base(weights="/some/file.h5")
    assert [call["weights"] for call in keras_calls] == [None, "/some/file.h5"]


def test_an_unknown_source_is_an_error(keras_calls, monkeypatch):
    monkeypatch.setenv(pretrained.WEIGHTS_ENV, "hub")
    with pytest.raises(ValueError, match="CNN_COURSE_WEIGHTS"):
        pretrained.mobilenet_v2_base()
