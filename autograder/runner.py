"""Execute one assembled notebook with papermill. Runs INSIDE the sandbox.

Standalone on purpose (standard library, papermill, nbformat only): the sandbox does not
contain the grader package. Everything it writes is untrusted by the grader.

usage: python runner.py INPUT.ipynb OUTPUT.ipynb STATUS_FD PARAMETERS_JSON CELL_TIMEOUT MAX_OUTPUT

The status goes to STATUS_FD, a pipe the grader (or a warm sandbox's supervisor) holds the other
end of: the kernel never has it, and this process is not dumpable, so the kernel cannot reach it
through /proc either. Nothing the notebook writes can stand in for it.
"""

import ctypes
import json
import os
import shutil
import sys
import time

KEEP_MIME = "application/vnd.cnn-grader.observation+json"
PR_SET_DUMPABLE = 4


def truncate_outputs(notebook, max_chars):
    """Cap every output's text (observations excepted) so a flood cannot bloat the result."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = _cap("".join(output["text"]), max_chars)
            for key, value in list(output.get("data", {}).items()):
                if key == KEEP_MIME:
                    continue
                text = value if isinstance(value, str) else json.dumps(value)
                if len(text) > max_chars:
                    output["data"][key] = _cap(text, max_chars)
            if "traceback" in output:
                output["traceback"] = [_cap(line, max_chars) for line in output["traceback"][-50:]]
    return notebook


def _cap(text, max_chars):
    if len(text) <= max_chars:
        return text
    return text[:max_chars] + f"\n... [output truncated by the grader: {len(text):,} characters]"


def save_atomically(folder):
    """Make papermill write notebooks under ``folder`` whole or not at all (a temporary file renamed):
    a run killed while papermill saves leaves the last complete notebook, never half of one."""
    from papermill.iorw import LocalHandler, papermill_io

    class AtomicHandler(LocalHandler):
        def write(self, buf, path):
            partial = f"{path}.partial"
            super().write(buf, partial)
            os.replace(partial, path)

    papermill_io.register(os.path.join(folder, ""), AtomicHandler())


def main(argv):
    run(*argv[1:7])


def run(source, target, status_fd, parameters, cell_timeout, max_output, **engine_options):
    """Execute ``source`` into ``target`` and write the status to ``status_fd``; ``engine_options``
    go to nbclient (the warm sandbox passes its already started kernel as ``km``)."""
    import nbformat
    import papermill

    os.set_inheritable(int(status_fd), False)  # no kernel started from here gets it
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    save_atomically(os.path.dirname(target))
    status = {"status": "ok", "message": ""}
    started = time.monotonic()
    try:
        papermill.execute_notebook(
            source,
            target,
            parameters=json.loads(parameters),
            kernel_name="python3",
            progress_bar=False,
            request_save_on_cell_execute=True,
            allow_errors=True,  # a broken answer must not stop the tests of other answers
            execution_timeout=int(cell_timeout),
            interrupt_on_timeout=False,
            **engine_options,
        )
    except BaseException as error:  # noqa: BLE001 - report any failure, the grader decides
        name = type(error).__name__
        kinds = {"CellTimeoutError": "timeout", "DeadKernelError": "dead_kernel"}
        status = {"status": kinds.get(name, "error"), "message": f"{name}: {str(error)[:500]}"}
    status["seconds"] = round(time.monotonic() - started, 2)
    # The kernel is gone: free its scratch folder so that a full disk quota cannot cost the results.
    shutil.rmtree(os.path.join(os.path.dirname(source), "work"), ignore_errors=True)
    try:
        notebook = nbformat.read(target, as_version=4)
        nbformat.write(truncate_outputs(notebook, int(max_output)), f"{target}.partial")
        os.replace(f"{target}.partial", target)
    except Exception as error:  # noqa: BLE001
        status.setdefault("write_error", str(error)[:300])
    with os.fdopen(int(status_fd), "w") as handle:
        json.dump(status, handle)


if __name__ == "__main__":
    main(sys.argv)
