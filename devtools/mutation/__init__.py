"""Mutation testing of the checks: small bugs planted in the solutions must lose points.

The idea of mutmut and cosmic-ray, applied to the instructor's solution notebooks. Each operator
(:mod:`~devtools.mutation.operators`) makes one small change inside the ``### BEGIN SOLUTION`` /
``### END SOLUTION`` region of one answer cell (a constant, a string, a keyword argument, a name, a
dropped or moved statement; :mod:`~devtools.mutation.mutants` enumerates them); the checks should fail
every such mutant. A mutant that survives is a gap in an observer or a judge, or it computes the same
function as the solution (an *equivalent* mutant, which the assignment's table lists with the reason).

Grading a mutant in the sandbox costs half a minute. :class:`Engine` grades hundreds in one process
instead, observing and judging through the grader's own code; :class:`Worker` runs an engine in a
child process, so that a mutant that crashes the interpreter costs a restart; :mod:`~devtools.mutation.probe`
says how a survivor differs from the solution. The engine runs the code it is given without a sandbox:
a development tool for trusted code (solutions, mutants, the corpus), never for submissions.

    with Worker("residual_networks") as worker:
        for mutant in worker.mutants():
            print(mutant.key, worker.grade({mutant.cell: mutant.source}).killed_by)

The table of equivalent mutants and the corpus of correct answers in other styles live with the
assignments' tests (tests/assignments/); benchmarks/mutation.py reports the mutation score.
"""

from devtools.mutation.engine import OBSERVER_SECONDS, SEEDS, Engine, Graded, observer_seconds
from devtools.mutation.mutants import Mutant, mutants
from devtools.mutation.operators import OPERATORS
from devtools.mutation.worker import Worker

__all__ = ["OBSERVER_SECONDS", "OPERATORS", "SEEDS", "Engine", "Graded", "Mutant", "Worker", "mutants", "observer_seconds"]
