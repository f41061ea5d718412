"""The course's data release: every data file in one versioned archive, for an owner to publish.

``make data-release`` (``python -m cnn_course.data_release build``) packs the data folder into
``_build/data-release/``:

- ``cnn-course-data-<version>.tar.gz``: every file of ``SHA256SUMS`` under ``cnn-course-data-<version>/``,
  with ``SHA256SUMS`` and the data's README; the same data always gives the same bytes;
- ``cnn-course-data-<version>.tar.gz.sha256``: its SHA-256, in ``sha256sum`` format;
- ``cnn-course-data-<version>.manifest.json``: version, archive size and digest, every file's size and digest.

Upload the three files as the assets of the release tagged ``data-<version>`` of the course's repository
(:mod:`cnn_course.locations`); the data layer downloads the archive from there on first use.
``python -m cnn_course.data_release fetch`` downloads it into the cache ahead of time (Binder, a hub).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import sys
import tarfile
from pathlib import Path

from cnn_course import data, locations

DEFAULT_OUTPUT = Path("_build/data-release")


def _add(tar: tarfile.TarFile, arcname: str, path: Path | None = None, payload: bytes | None = None) -> None:
    info = tarfile.TarInfo(arcname)
    info.size = path.stat().st_size if path else len(payload)
    info.mode, info.mtime, info.uid, info.gid, info.uname, info.gname = 0o644, 0, 0, 0, "", ""
    if path:
        with open(path, "rb") as handle:
            tar.addfile(info, handle)
    else:
        tar.addfile(info, io.BytesIO(payload))


def build(source: Path, output: Path = DEFAULT_OUTPUT) -> dict:
    """Pack the data folder ``source`` into ``output``; return the manifest. Every file is checked first."""
    names = sorted(data.manifest())
    problems = []
    for name in names:
        path = source / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif data.sha256(path) != data.manifest()[name]:
            problems.append(f"{name}: does not match SHA256SUMS")
    if problems:
        raise data.DataError(f"{source} is not the course's data, so no release was written: " + "; ".join(problems[:5]))
    output.mkdir(parents=True, exist_ok=True)
    archive = output / locations.DATA_ARCHIVE
    partial = archive.with_name(f".{archive.name}.part")
    root = data.ARCHIVE_ROOT
    sums = "".join(f"{data.manifest()[name]}  {name}\n" for name in names).encode()
    with open(partial, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as packed:
        with tarfile.open(fileobj=packed, mode="w", format=tarfile.PAX_FORMAT) as tar:
            if (source / "README.md").is_file():
                _add(tar, f"{root}/README.md", source / "README.md")
            _add(tar, f"{root}/SHA256SUMS", payload=sums)
            for name in names:
                _add(tar, f"{root}/{name}", source / name)
    os.replace(partial, archive)
    digest = data.sha256(archive)
    (output / locations.DATA_CHECKSUM).write_text(f"{digest}  {archive.name}\n")
    manifest = {
        "version": locations.DATA_VERSION,
        "archive": archive.name,
        "bytes": archive.stat().st_size,
        "sha256": digest,
        "root": root,
        "files": [{"name": name, "bytes": (source / name).stat().st_size, "sha256": data.manifest()[name]} for name in names],
    }
    (output / locations.DATA_MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnn_course.data_release", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    pack = commands.add_parser("build", help="pack the data folder into a release for upload")
    pack.add_argument("--source", type=Path, default=os.environ.get(data.DATA_ENV),
                      help=f"the course data folder (default: ${data.DATA_ENV})")
    pack.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"where to write it (default: {DEFAULT_OUTPUT})")
    commands.add_parser("fetch", help=f"download the release into the cache (${data.CACHE_ENV} or ~/.cache/cnn-course)")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            if not args.source:
                parser.error(f"no data folder: pass --source or set {data.DATA_ENV}")
            manifest = build(args.source, args.output)
            print(f"{args.output / manifest['archive']}: {len(manifest['files'])} files, {manifest['bytes']:,} bytes, "
                  f"sha256 {manifest['sha256']}")
            print(f"Upload the three files in {args.output} as the assets of the release tagged "
                  f"data-{locations.DATA_VERSION} of {locations.REPOSITORY_URL} (they are served from {locations.DATA_URL}).")
        else:
            data.require(*data.manifest())
            print(f"The course data is in {data.cache_dir()}.")
    except data.DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
