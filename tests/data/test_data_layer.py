"""The data layer: real files verified, clear errors when missing or corrupt (downloads: test_download.py)."""

from __future__ import annotations

import pytest

from cnn_course import data, locations


def test_course_data_folder_is_configured():
    assert data.DATA_ENV in __import__("os").environ, (
        f"{data.DATA_ENV} is not set: the Makefile points it at ../shared/data when that folder exists"
    )


def test_every_listed_file_resolves_and_matches_its_checksum():
    names = list(data.manifest())
    assert len(names) == 327 + 3
    for name in names:
        assert data.resolve(name).is_file()


def test_alpaca_folder_has_both_classes():
    folder = data.resolve_dir(data.ALPACA_DIR)
    assert len(list((folder / "alpaca").glob("*.jpg"))) == 142
    assert len(list((folder / "not alpaca").glob("*.jpg"))) == 185


def test_signs_arrays_have_the_documented_shapes():
    signs = data.signs_dataset()
    assert signs["x_train"].shape == (1080, 64, 64, 3) and signs["y_train"].shape == (1080,)
    assert signs["x_test"].shape == (120, 64, 64, 3) and signs["y_test"].shape == (120,)
    assert sorted(set(signs["y_train"].tolist())) == list(range(6))


def test_missing_file_names_the_file_and_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path))
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "cache"))
    with pytest.raises(data.DataError) as error:
        data.resolve(data.SIGNS_TEST)
    message = str(error.value)
    assert "signs/test_signs.h5" in message and data.DATA_ENV in message and "download" in message


def test_corrupt_file_is_rejected(tmp_path, monkeypatch):
    corrupt = tmp_path / data.SIGNS_TEST
    corrupt.parent.mkdir(parents=True)
    corrupt.write_bytes(b"not the SIGNS test set")
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path))
    with pytest.raises(data.DataError, match="corrupt"):
        data.resolve(data.SIGNS_TEST)


def test_unknown_name_is_an_error():
    with pytest.raises(data.DataError, match="not a course data file"):
        data.resolve("signs/other.h5")


def test_the_default_download_address_derives_from_the_repository_setting(monkeypatch):
    monkeypatch.delenv(data.URL_ENV, raising=False)
    assert data.release_url() == locations.DATA_URL
    assert locations.DATA_URL.startswith(locations.REPOSITORY_URL + "/releases/download/")
    monkeypatch.setenv(data.URL_ENV, "http://127.0.0.1:9/mirror")
    assert data.release_url() == "http://127.0.0.1:9/mirror/"


def test_require_checks_files_and_folders_and_rejects_unknown_names():
    data.require(data.SIGNS_TEST, "signs", "weights")
    with pytest.raises(data.DataError, match="not a course data folder"):
        data.require("signs/more")


def test_offline_mode_never_downloads(tmp_path, monkeypatch):
    monkeypatch.delenv(data.DATA_ENV)
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path))
    monkeypatch.setenv(data.OFFLINE_ENV, "1")
    with pytest.raises(data.DataError, match="was not found"):
        data.resolve(data.SIGNS_TEST)
