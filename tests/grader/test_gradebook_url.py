"""``--db postgresql://...`` reaches a real PostgreSQL with the driver that is installed, or names what to install."""

from __future__ import annotations

from pathlib import Path

from autograder import cli, course
from autograder.course import GraderConfig
from autograder.gradebook import CourseGradebook


def test_a_bare_postgresql_url_uses_the_installed_driver_against_a_real_server(postgres_url, tmp_path):
    bare = "postgresql://" + postgres_url.partition("://")[2]  # what an instructor types: no driver named
    url = GraderConfig(repo=Path("."), course_dir=tmp_path, db_url=bare).gradebook_url
    assert url.startswith(("postgresql+psycopg://", "postgresql+psycopg2://")) and url.endswith(bare.partition("://")[2])
    with CourseGradebook(url).open() as gradebook:
        gradebook.update_or_create_student("bare-url-student")
    with CourseGradebook(url).open() as gradebook:
        assert "bare-url-student" in {student.id for student in gradebook.students}


def test_a_missing_postgresql_driver_is_named_with_what_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(course, "POSTGRESQL_DRIVERS", (("psycopg", "no_such_postgresql_driver"),))
    status = cli.main(["--course", str(tmp_path), "--db", "postgresql://postgres@/gradebook", "doctor"])
    assert status == 2
    assert "no PostgreSQL driver is installed" in capsys.readouterr().err and "psycopg[binary]" in course.POSTGRESQL_DRIVER_HINT


def test_urls_that_name_a_driver_or_another_database_are_kept():
    for url in ("postgresql+psycopg2://u@h/db", "sqlite:////tmp/gradebook.db", "mysql+pymysql://u@h/db"):
        assert course.with_installed_driver(url) == url
