"""Command line: the instructor's workflow from release to report.

    python -m autograder assignments
    python -m autograder release --all
    python -m autograder collect residual_networks submissions.zip
    python -m autograder autograde residual_networks
    python -m autograder feedback residual_networks [--moodle-zip feedback.zip]
    python -m autograder export --format csv|canvas|moodle
    python -m autograder report residual_networks
    python -m autograder similarity residual_networks [--top 10]
    python -m autograder override alice residual_networks test_identity_block 3 --comment "..."
    python -m autograder formgrader
    python -m autograder publish [--output _build/public]
    python -m autograder demo [--lms moodle|canvas]
    python -m autograder doctor
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from autograder.spec import Limits


def _config(args):
    from autograder.course import GraderConfig

    limits = Limits(cell_timeout=args.cell_timeout, memory_mb=args.memory_mb, cpus=args.cpus, disk_mb=args.disk_mb)
    return GraderConfig(repo=Path(args.repo).resolve(), course_dir=Path(args.course).resolve(),
                        db_url=args.db, workers=args.workers, limits=limits, scheduler=args.scheduler,
                        checks_modules=_checks_modules(args), wall_time=args.wall_time, warm=not args.cold,
                        allow_unenforced_limits=getattr(args, "allow_unenforced_limits", False))


def _checks_modules(args) -> dict[str, str]:
    return dict(item.split("=", 1) for item in args.checks or [])


def cmd_assignments(args) -> int:
    """List the assignments found in the repository (autograder.registry); 1 if one's files make no spec."""
    from autograder import registry

    repo, modules, broken = Path(args.repo).resolve(), _checks_modules(args), 0
    for assignment_id in registry.assignment_ids(repo):
        try:
            spec = registry.spec(repo, assignment_id, modules.get(assignment_id))
        except registry.SpecError as error:
            print(f"{assignment_id}: {error}", file=sys.stderr)
            broken += 1
            continue
        print(f"{assignment_id}: {spec.notebook}.ipynb, {len(spec.tests)} tests worth {spec.max_score:g} points, "
              f"data {', '.join(spec.data) or 'none'}, checks {spec.checks_module}")
    return 1 if broken else 0


def cmd_release(args) -> int:
    from autograder.registry import assignment_ids
    from autograder.release import generate_release

    repo = Path(args.repo).resolve()
    for assignment_id in assignment_ids(repo) if args.all else args.assignments:
        print(f"released {generate_release(repo, assignment_id)}")
    return 0


def cmd_references(args) -> int:
    from autograder.course import Course

    course = Course(_config(args))
    references = course.references(course.assignment(args.assignment), rebuild=True)
    print(f"{len(references.payloads)} reference observations for {args.assignment} "
          f"(solution ran {references.seconds:.0f} s) in {course.root / 'references'}")
    return 0


def cmd_collect(args) -> int:
    from autograder.collect import collect_folder, collect_zip

    source, course_dir = Path(args.source), Path(args.course)
    collect = collect_zip if source.suffix.lower() == ".zip" else collect_folder
    summary = collect(source, course_dir, args.assignment)
    print(summary.report(course_dir / "submitted"))
    return 0


def cmd_autograde(args) -> int:
    from autograder.course import Course
    from autograder.enforcement import UnenforcedLimits
    from autograder.lateness import PolicyError
    from autograder.sandbox import SandboxUnavailable

    course = Course(_config(args))
    try:
        results = course.autograde(args.assignment, force=args.force, students=args.student or None)
    except (UnenforcedLimits, SandboxUnavailable, PolicyError) as error:
        print(f"Refusing to grade: {error}", file=sys.stderr)
        return 2
    graded = course.results(args.assignment)
    print(f"graded {len(results)} submissions ({len(graded) - len(results)} unchanged, skipped)")
    for result in sorted(results, key=lambda r: r.student):
        print(f"  {result.student:24s} {result.score:6g} / {result.max_score:g}  {result.reason}")
    faults = [r for r in results if r.grader_errors]
    for result in faults:
        print(f"GRADER FAULT for {result.student} (not the student's; graded again next run): "
              f"{'; '.join(result.grader_errors)[:500]}", file=sys.stderr)
    return 1 if faults else 0


def cmd_feedback(args) -> int:
    from autograder import lms
    from autograder.course import Course
    from autograder.reports import write_feedback
    from autograder.students import display_names, read_roster

    course = Course(_config(args))
    assignment = course.assignment(args.assignment)
    results = course.results(args.assignment)
    paths = write_feedback(results, course.root, assignment.notebook_name, display_names(course.root))
    print(f"wrote {len(paths)} feedback pages under {course.root / 'feedback'}")
    if args.moodle_zip:
        pages = {result.student: path for result, path in zip(results, paths, strict=True)}
        path, left_out = lms.write_moodle_feedback(Path(args.moodle_zip), pages, read_roster(course.root))
        print(f"wrote {path} for Moodle's \"Upload multiple feedback files in a zip\"")
        _print_left_out(left_out, "moodle")
    return 0


def _print_left_out(left_out: list[str], lms: str) -> None:
    if left_out:
        print(f"left out {len(left_out)} students with no {lms} user id: {', '.join(left_out)}")


def cmd_export(args) -> int:
    from autograder import lms
    from autograder.course import Course
    from autograder.exports import write_grades
    from autograder.registry import assignment_ids
    from autograder.students import display_names, read_roster

    course = Course(_config(args))
    wanted = [args.assignment] if args.assignment else assignment_ids(course.config.repo)
    results = [r for a in wanted for r in course.results(a)]
    reports, left_out = course.root / "reports", []
    if args.format == "csv":
        path = write_grades(results, Path(args.output or reports / "grades.csv"), display_names(course.root))
    elif args.format == "canvas":
        canvas_ids = dict(item.split("=", 1) for item in args.lms_id or [])
        path, left_out = lms.write_canvas(Path(args.output or reports / "canvas.csv"), results,
                                          read_roster(course.root), canvas_ids)
    else:
        if not args.assignment:
            print("--format moodle needs --assignment: Moodle's worksheet holds one assignment", file=sys.stderr)
            return 2
        path, left_out = lms.write_moodle(Path(args.output or reports / f"moodle-{args.assignment}.csv"), results,
                                          read_roster(course.root))
    print(f"wrote {path}")
    _print_left_out(left_out, args.format)
    return 0


def cmd_report(args) -> int:
    from autograder.course import Course
    from autograder.reports import write_report
    from autograder.students import display_names

    course = Course(_config(args))
    path = write_report(course.results(args.assignment), args.assignment,
                        course.root / "reports" / f"{args.assignment}.html", display_names(course.root))
    print(f"wrote {path}")
    return 0


def cmd_similarity(args) -> int:
    """Compare the answer cells of every submission; write the most similar pairs side by side."""
    from autograder import registry
    from autograder.course import Course
    from autograder.reports import write_similarity_report
    from autograder.similarity import class_similarity
    from autograder.spec import AssignmentNotebook
    from autograder.students import display_names

    course = Course(_config(args))
    spec = registry.spec(course.config.repo, args.assignment)
    notebooks = {student: course.notebook_path(args.assignment, spec.notebook, student)[0]
                 for student in course.students(args.assignment)}
    result = class_similarity(args.assignment, AssignmentNotebook.of(spec), notebooks)
    path = write_similarity_report(result, course.root / "reports" / f"{args.assignment}-similarity.html", args.top,
                                   display_names(course.root))
    print(f"compared {len(result.answers)} students, {len(result.pairs)} pairs; "
          f"{len(result.flagged)} flagged (a reason to look, not proof)")
    for pair in result.pairs[:args.top]:
        cells = ", ".join(f"{c.grade_id} {c.similarity:.2f}{' (flagged)' if c.flagged else ''}" for c in pair.cells)
        print(f"  {pair.similarity:4.2f} {'FLAGGED' if pair.flagged else '       '} {pair.first} / {pair.second}: {cells}")
    for student, why in sorted(result.not_compared.items()):
        print(f"  not compared: {student}: {why}")
    print(f"wrote {path}")
    return 0


def cmd_override(args) -> int:
    """Set one test's score by hand (nbgrader's manual_score): kept across re-grades, final in every export."""
    from autograder.course import Course

    course = Course(_config(args))
    points = None if args.points == "auto" else float(args.points)
    try:
        course.gradebook().override(course.assignment(args.assignment), args.student, args.test, points, args.comment)
    except (ValueError, LookupError) as error:
        print(f"Cannot override: {error}", file=sys.stderr)
        return 2
    print(f"{args.student}'s {args.test} in {args.assignment}: "
          f"{'back to the automatic score' if points is None else f'{points:g} points, set by hand'}")
    return 0


def cmd_formgrader(args) -> int:
    """nbgrader's formgrader on the grading folder and its gradebook (a Jupyter server, until Ctrl-C)."""
    import subprocess

    from autograder.formgrader import formgrader_command

    config = _config(args)
    command = formgrader_command(config.course_dir, config.gradebook_url, args.ip, args.port, token=args.token)
    print(f"formgrader: http://{args.ip}:{args.port}/formgrader (grading folder {config.course_dir})")
    return subprocess.run(command, cwd=config.course_dir).returncode


def cmd_publish(args) -> int:
    """Write the student-facing tree (no solutions, tests or grader), scanned for leaks."""
    from autograder.publish import DEFAULT_OUTPUT, LeakError, publish

    repo = Path(args.repo).resolve()
    output = Path(args.output) if args.output else repo / DEFAULT_OUTPUT
    try:
        entries = publish(repo, output)
    except LeakError as error:
        print(f"Not published: {error}", file=sys.stderr)
        return 1
    print(f"published {', '.join(p.name for p in entries)} into {output}")
    return 0


def cmd_demo(args) -> int:
    """The whole term on a sample class, in a fresh course folder: an LMS's submission zip through collect,
    autograde under a late policy, an override, feedback, the LMS's grade import and the class report,
    each step the command an instructor runs."""
    import shutil

    from autograder import demo
    from autograder.course import Course
    from autograder.students import read_roster

    course_dir = Path(args.course)
    if course_dir.exists() and any(course_dir.iterdir()) and not (course_dir / demo.MARKER).is_file():
        print(f"Not replacing {course_dir}: it is not a demo's folder (no {demo.MARKER}); name another with --course",
              file=sys.stderr)
        return 2
    if course_dir.exists():
        shutil.rmtree(course_dir)
    course_dir.mkdir(parents=True)
    (course_dir / demo.MARKER).write_text("made by python -m autograder demo, which replaces this folder\n")
    course = Course(_config(args))
    assignment = course.assignment(args.assignment)
    release = course.config.repo / "assignments" / args.assignment / f"{assignment.notebook_name}.ipynb"
    samples = demo.sample_submissions(assignment, release)
    export = demo.write_lms_export(samples, assignment.notebook_name, args.lms,
                                   course.root / "downloads" / f"{args.lms}-submissions.zip")
    policy = demo.write_policy(course.root, args.assignment)
    print(f"Demo course in {course.root}: {len(samples)} sample submissions of {args.assignment} in {export}, "
          f"as {args.lms.capitalize()} exports them, one handed in late; late policy in {policy}")

    def step(command: str, run, **options) -> int:
        print(f"\n$ python -m autograder --course {course_dir} {command}")
        return run(argparse.Namespace(**{**vars(args), **options}))

    step(f"collect {args.assignment} {export}", cmd_collect, source=str(export))
    if step(f"autograde {args.assignment}", cmd_autograde, force=False, student=None) == 2:
        return 2  # refused: this host cannot grade safely (the message says why)
    roster = read_roster(course.root)
    partial = next(sid for sid, entry in roster.items() if entry.get("lms_user") == demo.STUDENTS["partial"][1])
    failed = [t for r in course.results(args.assignment) if r.student == partial for t in r.tests if not t.passed]
    if failed:  # half the points of a test the partial answer failed, set by hand
        test, points, comment = failed[0].grade_id, f"{failed[0].max_points / 2:g}", "The idea is right: half the points."
        step(f"override {partial} {args.assignment} {test} {points} --comment '{comment}'", cmd_override,
             student=partial, test=test, points=points, comment=comment)
    moodle_zip = course.root / "reports" / f"moodle-feedback-{args.assignment}.zip" if args.lms == "moodle" else None
    step(f"feedback {args.assignment}" + (f" --moodle-zip {moodle_zip}" if moodle_zip else ""), cmd_feedback,
         moodle_zip=moodle_zip and str(moodle_zip))
    step(f"similarity {args.assignment}", cmd_similarity, top=10)
    for form, only in (("csv", None), ("canvas", None), ("moodle", args.assignment)):
        step(f"export --format {form}" + (f" --assignment {only}" if only else ""), cmd_export,
             format=form, assignment=only, lms_id=None, output=None)
    step(f"report {args.assignment}", cmd_report)
    print("\nFinal scores (late penalty and the score set by hand included):")
    for result in sorted(course.results(args.assignment), key=lambda r: roster[r.student]["name"]):
        late = f"late, -{result.lateness.penalty:g}" if result.lateness.late else ""
        print(f"  {roster[result.student]['name']:18s} {result.score:6g} / {result.max_score:g}  {late}")
    reports = course.root / "reports"
    artefacts = [("the LMS's download", export), ("late policy", policy), ("roster, LMS ids", course.root / "students.json"),
                 ("collected notebooks", course.root / "submitted"), ("executed notebooks", course.root / "autograded"),
                 ("gradebook", course.root / "gradebook.db"), ("feedback pages", course.root / "feedback"),
                 ("Moodle feedback zip", moodle_zip), ("grades", reports / "grades.csv"),
                 ("Canvas grade import", reports / "canvas.csv"),
                 ("Moodle worksheet", reports / f"moodle-{args.assignment}.csv"),
                 ("class report", reports / f"{args.assignment}.html"),
                 ("similarity report", reports / f"{args.assignment}-similarity.html")]
    print(f"\nArtefacts of the term, in {course.root}:")
    for label, path in artefacts:
        if path:
            print(f"  {label + ':':22s} {path}")
    return 0


def cmd_doctor(args) -> int:
    """Say what this host offers the sandbox and what enforces each limit; 1 when grading here is unsafe."""
    from autograder import doctor

    config = _config(args)
    rows = doctor.diagnose(config.course_dir, config.gradebook_url, config.limits, config.allow_unenforced_limits)
    print(doctor.report(rows))
    return 1 if doctor.unsafe(rows) else 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0])
    main.add_argument("--repo", default=".", help="course repository with solutions/ and assignments/")
    main.add_argument("--course", default=os.environ.get("CNN_GRADER_COURSE", ".grading"),
                      help="grading folder (submitted/, autograded/, feedback/, gradebook)")
    main.add_argument("--db", default=os.environ.get("CNN_GRADER_DB"),
                      help="gradebook SQLAlchemy URL (default: sqlite in the grading folder)")
    main.add_argument("--checks", action="append", metavar="ASSIGNMENT=MODULE",
                      help="checks module of an assignment (default: autograder.checks.<assignment>)")
    main.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parallel submissions")
    main.add_argument("--scheduler", help="'local' for a Dask LocalCluster, or a Dask scheduler address")
    main.add_argument("--wall-time", type=float, default=None,
                      help="seconds per submission (default: the assignment's multiple of the solution's run time)")
    main.add_argument("--cell-timeout", type=int, default=Limits.cell_timeout, help="seconds per cell")
    main.add_argument("--memory-mb", type=int, default=Limits.memory_mb, help="memory per submission")
    main.add_argument("--disk-mb", type=int, default=Limits.disk_mb,
                      help="MB a submission may write into its job folder, and separately into its /tmp")
    main.add_argument("--cpus", type=float, default=Limits.cpus, help="CPUs per submission (a cgroup quota)")
    main.add_argument("--cold", action="store_true",
                      help="start a fresh Python for every submission instead of forking warm sandboxes (slower)")
    main.add_argument("--verbose", "-v", action="store_true", help="log every step (sandbox stderr included)")
    main.add_argument("--log-file", help="also write the log to this file")
    commands = main.add_subparsers(dest="command", required=True)

    assignments = commands.add_parser("assignments", help="list the assignments in solutions/: notebook, tests, data, checks")
    assignments.set_defaults(run=cmd_assignments)
    release = commands.add_parser("release", help="generate assignments/ from solutions/ with nbgrader")
    release.add_argument("assignments", nargs="*")
    release.add_argument("--all", action="store_true")
    release.set_defaults(run=cmd_release)
    for name, run, doc in (("references", cmd_references, "run the solution, store reference observations"),
                           ("feedback", cmd_feedback, "write per-student HTML feedback"),
                           ("report", cmd_report, "write the class report (HTML)")):
        sub = commands.add_parser(name, help=doc)
        sub.add_argument("assignment")
        sub.set_defaults(run=run)
        if name == "feedback":
            sub.add_argument("--moodle-zip", metavar="PATH",
                             help="also write the pages as Moodle's feedback-files zip, in each participant's folder")
    similarity = commands.add_parser("similarity", help="write the similarity report: the most alike answer cells")
    similarity.add_argument("assignment")
    similarity.add_argument("--top", type=int, default=10, help="pairs shown side by side (and every flagged pair)")
    similarity.set_defaults(run=cmd_similarity)
    collect = commands.add_parser("collect", help="import a folder per student or an LMS zip")
    collect.add_argument("assignment")
    collect.add_argument("source")
    collect.set_defaults(run=cmd_collect)
    autograde = commands.add_parser("autograde", help="grade changed submissions in parallel")
    autograde.add_argument("assignment")
    autograde.add_argument("--force", action="store_true", help="regrade unchanged submissions too")
    autograde.add_argument("--student", action="append", help="only this student (repeatable)")
    autograde.set_defaults(run=cmd_autograde)
    export = commands.add_parser("export", help="write grades as CSV, or as Canvas' or Moodle's grade import")
    export.add_argument("--format", choices=("csv", "canvas", "moodle"), default="csv",
                        help="csv: every grade, each test's points; canvas: gradebook import CSV; moodle: the "
                             "offline grading worksheet of one assignment")
    export.add_argument("--assignment", help="only this assignment (needed for moodle)")
    export.add_argument("--lms-id", action="append", metavar="ASSIGNMENT=ID",
                        help="the LMS's id of an assignment (Canvas: the number in its column's name)")
    export.add_argument("--output", help="file to write (default: reports/grades.csv, canvas.csv, moodle-<assignment>.csv)")
    export.set_defaults(run=cmd_export)
    override = commands.add_parser("override", help="set a test's score by hand (kept across re-grades)")
    override.add_argument("student")
    override.add_argument("assignment")
    override.add_argument("test", help="the test's grade_id")
    override.add_argument("points", help="the points, or 'auto' to go back to the automatic score")
    override.add_argument("--comment", help="the instructor's comment the student reads in the feedback")
    override.set_defaults(run=cmd_override)
    formgrader = commands.add_parser("formgrader", help="nbgrader's formgrader on the grading folder")
    formgrader.add_argument("--ip", default="127.0.0.1")
    formgrader.add_argument("--port", type=int, default=8765)
    formgrader.add_argument("--token", default=None, help="the server's token (default: Jupyter makes one)")
    formgrader.set_defaults(run=cmd_formgrader)
    publish = commands.add_parser("publish", help="write the student-facing tree for the public repository")
    publish.add_argument("--output", help="folder to write (replaced; default: _build/public)")
    publish.set_defaults(run=cmd_publish)
    demo = commands.add_parser("demo", help="a sample class's term, from the LMS's zip to grades, feedback and report")
    demo.add_argument("--assignment", default="residual_networks")
    demo.add_argument("--lms", choices=("moodle", "canvas"), default="moodle",
                      help="whose submission download the sample class comes in, and whose imports it gets back")
    demo.add_argument("--course", default="demo-course",
                      help="the demo's grading folder: made, or replaced if an earlier demo made it")
    demo.set_defaults(run=cmd_demo)
    doctor = commands.add_parser("doctor", help="check this host: sandbox, cgroups, data, gradebook, limits")
    doctor.set_defaults(run=cmd_doctor)
    for sub in (autograde, demo, doctor):
        sub.add_argument("--allow-unenforced-limits", action="store_true",
                         help="grade even where no kernel limit bounds a run's memory (only the watchdog's polling)")
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    _setup_logging(args.verbose, args.log_file)
    from autograder.course import MissingDatabaseDriver

    try:
        return args.run(args)
    except MissingDatabaseDriver as error:  # --db names a database whose driver is missing: say what to install
        print(f"error: {error}", file=sys.stderr)
        return 2


def _setup_logging(verbose: bool, log_file: str | None) -> None:
    """Operator logs (infrastructure, grader faults) go to stderr and, if asked, to a file."""
    import logging

    logger = logging.getLogger("autograder")
    for old in [h for h in logger.handlers if getattr(h, "cnn_grader", False)]:
        logger.removeHandler(old)
        old.close()
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    handlers = [logging.StreamHandler()]
    if log_file:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.cnn_grader = True
        handler.setLevel(logging.DEBUG if verbose else logging.WARNING if handler is handlers[0] else logging.INFO)
        logger.addHandler(handler)


if __name__ == "__main__":
    sys.exit(main())
