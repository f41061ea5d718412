"""Where the course lives on the internet: the one place to change when you publish your own copy.

Everything that points at the course derives from the settings below:

- the website's launch (Binder, Colab), repository and issue buttons (:mod:`cnn_course.site`);
- the setup cell that opens every notebook, which installs this package from ``PACKAGE_SOURCE`` where it
  is missing (:mod:`cnn_course.setup_cell`; ``make setup-cells`` rewrites the cells after a change here);
- the data layer's download address (:mod:`cnn_course.data`).

To run a fork: set ``REPOSITORY_URL`` (and ``BRANCH``), run ``make setup-cells release``, then publish
the data release (``make data-release``) as the assets of a release tagged ``data-<DATA_VERSION>`` of
that repository. README, "Running the course elsewhere", walks through it.
"""

from __future__ import annotations

# The course's public git repository, the one students see (GitHub, GitLab or Bitbucket: the site's buttons
# need one of those): the launch buttons, Binder, Colab, the setup cell's install and the data release point
# here. Push `make publish`'s tree (_build/public: no solutions/, tests/ or grader) to it; the instructors'
# repository with solutions/ can be another, private one, whose address appears nowhere students look.
REPOSITORY_URL = "https://github.com/cnn-case-studies/cnn-case-studies"
# The branch the website's buttons, Binder, Colab and the setup cells use.
BRANCH = "main"

# Version of the data release: bump it whenever a data file (cnn_course/SHA256SUMS) changes.
DATA_VERSION = "v1"
# The folder (URL ending in /) that serves the data release's files. By default the assets of the
# release tagged data-<DATA_VERSION> of the repository above. $CNN_COURSE_DATA_URL overrides it.
DATA_URL = f"{REPOSITORY_URL}/releases/download/data-{DATA_VERSION}/"
# The release's file names: the archive, its SHA-256 (``sha256sum`` format) and its manifest (JSON).
DATA_ARCHIVE = f"cnn-course-data-{DATA_VERSION}.tar.gz"
DATA_CHECKSUM = f"{DATA_ARCHIVE}.sha256"
DATA_MANIFEST = f"cnn-course-data-{DATA_VERSION}.manifest.json"

# What the setup cell installs where cnn_course is missing (Colab, a downloaded notebook): the helper package
# alone (distribution PACKAGE_NAME, cnn_course/pyproject.toml: no grader, no checks), straight from the
# repository. $CNN_COURSE_PACKAGE overrides PACKAGE_SOURCE (a wheel's URL, a mirror, a local folder as a
# file:// URL: anything pip accepts after "name @").
PACKAGE_NAME = "cnn-case-studies"
PACKAGE_SOURCE = f"git+{REPOSITORY_URL}@{BRANCH}#subdirectory=cnn_course"
PACKAGE = f"{PACKAGE_NAME}[tensorflow] @ {PACKAGE_SOURCE}"  # with TensorFlow, for a machine that has none
PACKAGE_ENV = "CNN_COURSE_PACKAGE"
