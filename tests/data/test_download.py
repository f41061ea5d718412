"""Downloading the data release: verified, cached once, resumed; and one clear error for each way it fails.

Every test serves a small release (the SIGNS test file only) from 127.0.0.1 to a reader without
the data folder and with an empty cache. A failure must raise one DataError that names the file,
says what happened and what to do, and leave nothing in the cache.
"""

from __future__ import annotations

import errno
import io
import os
import socket
import subprocess
import tempfile

import pytest

from cnn_course import data, download, locations
from tests.data.release_host import ReleaseHost, leftovers, write_release

NAME = data.SIGNS_TEST


@pytest.fixture(scope="module")
def signs_test_bytes() -> bytes:
    return data.resolve(NAME).read_bytes()  # from the course data folder, before a test hides it


@pytest.fixture
def host(tmp_path):
    served = ReleaseHost(tmp_path / "host").start()
    yield served
    served.stop()


@pytest.fixture
def cache(tmp_path, monkeypatch, host):
    """A reader online without the data folder: an empty cache, the local host as the release URL."""
    folder = tmp_path / "cache"
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    monkeypatch.delenv(data.OFFLINE_ENV, raising=False)
    monkeypatch.setenv(data.CACHE_ENV, str(folder))
    monkeypatch.setenv(data.URL_ENV, host.url)
    monkeypatch.setattr(download, "BACKOFF_SECONDS", 0)
    return folder


def failure(name: str = NAME) -> str:
    with pytest.raises(data.DataError) as error:
        data.resolve(name)
    message = str(error.value)
    assert f"'{name}'" in message, message
    return message


def test_first_use_downloads_the_release_once_verified_into_the_cache(host, cache, signs_test_bytes):
    write_release(host.root, {NAME: signs_test_bytes})
    path = data.resolve(NAME)
    assert path == cache / NAME and data.sha256(path) == data.manifest()[NAME]
    assert leftovers(cache) == [NAME]  # no archive, no temporary file
    data.require("signs/test_signs.h5")
    data.resolve(NAME)
    assert host.count(locations.DATA_ARCHIVE) == 1 and host.count(locations.DATA_CHECKSUM) == 1


def test_a_file_missing_from_the_release_is_named(host, cache, signs_test_bytes):
    write_release(host.root, {NAME: signs_test_bytes})
    message = failure(data.SIGNS_TRAIN)
    assert "is not in the data release" in message and data.URL_ENV in message


def test_a_broken_connection_resumes_where_it_stopped(host, cache, signs_test_bytes):
    write_release(host.root, {NAME: signs_test_bytes})
    host.cut_after = 100_000
    assert data.sha256(data.resolve(NAME)) == data.manifest()[NAME]
    archive = [r for r in host.requests if r.path.endswith(locations.DATA_ARCHIVE)]
    assert [(r.range, r.status) for r in archive] == [(None, 200), ("bytes=100000-", 206)]
    assert leftovers(cache) == [NAME]


def test_a_connection_that_keeps_breaking_is_explained(host, cache, signs_test_bytes):
    write_release(host.root, {NAME: signs_test_bytes})
    host.cut_after, host.cuts = 100_000, download.ATTEMPTS
    message = failure()
    assert "broke off" in message and f"after {download.ATTEMPTS} tries" in message and "Check your connection" in message
    assert leftovers(cache) == []


@pytest.mark.parametrize("damage", ["truncated archive", "wrong published checksum"])
def test_a_damaged_archive_is_refused_and_nothing_is_left(host, cache, signs_test_bytes, damage):
    archive = write_release(host.root, {NAME: signs_test_bytes},
                            published_digest="0" * 64 if damage == "wrong published checksum" else None)
    if damage == "truncated archive":
        archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    message = failure()
    assert "does not match its published SHA-256" in message and "Nothing was installed" in message
    assert "Run this again" in message
    assert leftovers(cache) == []


def test_a_release_of_another_version_is_refused_file_by_file(host, cache):
    write_release(host.root, {NAME: b"the SIGNS test set of another course version"})
    message = failure()
    assert "does not match this version of cnn_course's checksum" in message and f"data-{locations.DATA_VERSION}" in message
    assert leftovers(cache) == []


def test_a_server_error_is_retried_then_explained(host, cache):
    host.fail_status = 500
    message = failure()
    assert "HTTP 500" in message and f"after {download.ATTEMPTS} tries" in message and "try again later" in message
    assert host.count(locations.DATA_CHECKSUM) == download.ATTEMPTS
    assert leftovers(cache) == []


def test_an_unpublished_release_says_how_to_publish_it(host, cache):
    message = failure()
    assert "HTTP 404" in message and "not published" in message and "make data-release" in message
    assert leftovers(cache) == []


def test_no_network_says_what_to_do(cache, monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on: the connection is refused
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    monkeypatch.setenv(data.URL_ENV, closed)
    message = failure()
    assert "Connection refused" in message and "offline" in message and data.DATA_ENV in message
    assert locations.DATA_ARCHIVE in message
    assert leftovers(cache) == []


class FullDisk(io.FileIO):
    """A file on a disk that is full after 64 KiB."""

    def write(self, payload):
        if self.tell() + len(payload) > 1 << 16:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().write(payload)


def test_a_full_disk_while_downloading_leaves_nothing(host, cache, signs_test_bytes, monkeypatch):
    write_release(host.root, {NAME: signs_test_bytes})

    def partial_file(folder, label):
        handle, name = tempfile.mkstemp(dir=folder, prefix=f".{label}.", suffix=".part")
        os.close(handle)
        return FullDisk(name, "w+b")

    monkeypatch.setattr(download, "_partial_file", partial_file)
    message = failure()
    assert "no space left" in message and data.CACHE_ENV in message
    assert leftovers(cache) == []


@pytest.mark.parametrize("phase", ["download", "unpack"])
def test_a_full_tmpfs_leaves_nothing(host, tmp_path, monkeypatch, signs_test_bytes, phase):
    """A real full disk: a tmpfs too small for the archive, or for the archive and its file together."""
    archive = write_release(host.root, {NAME: signs_test_bytes})
    size = 256 << 10 if phase == "download" else archive.stat().st_size + len(signs_test_bytes) // 2
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root); test_a_full_disk_while_downloading_leaves_nothing covers it")
    try:
        monkeypatch.delenv(data.DATA_ENV, raising=False)
        monkeypatch.setenv(data.CACHE_ENV, str(disk / "cache"))
        monkeypatch.setenv(data.URL_ENV, host.url)
        message = failure()
        assert "no space left" in message and data.CACHE_ENV in message
        assert ("unpacking" in message) == (phase == "unpack")
        assert leftovers(disk) == []
    finally:
        subprocess.run(["umount", str(disk)], check=True)
