"""The course's nbgrader configuration, pointed at a throwaway work directory.

``nbgrader_config.py`` at the course root is the single place where nbgrader settings
live (ignore patterns, stubs, per-cell timeout). The tooling loads it and then moves
everything nbgrader writes (the gradebook, release, submitted, autograded and feedback
folders) into a work directory, so running ``nnkit build|check|grade`` never leaves a
``gradebook.db`` or a stray folder in the instructor's tree.

nbgrader runs in-process through its converter classes (the same classes its command
line applications use); :func:`run_converter` collects its log so callers can report
errors per submission.
"""

from __future__ import annotations

import logging
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from nnkit.course.manifest import Course

#: Step folder names inside a work directory.
SOURCE, RELEASE, SUBMITTED, AUTOGRADED, FEEDBACK = "solutions", "chapters", "submitted", "autograded", "feedback"


def load_config(course: Course) -> Config:
    """The traitlets ``Config`` from ``<root>/nbgrader_config.py`` (empty if the file is missing)."""
    cfg = Config()
    path = course.nbgrader_config
    if path.is_file():
        cfg.merge(PyFileConfigLoader(path.name, path=str(path.parent)).load_config())
    return cfg


def work_config(course: Course, workdir: Path, timeout: float | None = None) -> Config:
    """The course's nbgrader config, rooted at ``workdir`` with its own gradebook.

    Parameters
    ----------
    course : Course
        The course whose ``nbgrader_config.py`` is loaded.
    workdir : Path
        Folder where nbgrader's steps and gradebook live.
    timeout : float, optional
        Per-cell execution timeout in seconds (overrides ``Execute.timeout``).
    """
    cfg = load_config(course)
    _without_term_guard(cfg)
    over = Config()
    over.CourseDirectory.root = str(workdir)
    over.CourseDirectory.course_id = course.id
    over.CourseDirectory.db_url = f"sqlite:///{Path(workdir) / 'gradebook.db'}"
    over.CourseDirectory.source_directory = SOURCE
    over.CourseDirectory.release_directory = RELEASE
    over.CourseDirectory.submitted_directory = SUBMITTED
    over.CourseDirectory.autograded_directory = AUTOGRADED
    over.CourseDirectory.feedback_directory = FEEDBACK
    # Kernels: the notebooks name the "python3" kernelspec; jupyter_client starts a kernel
    # spec whose argv begins with "python" with the interpreter running us (this venv).
    if timeout is not None:
        over.Execute.timeout = int(max(1, round(timeout)))
    cfg.merge(over)
    if "ignore" not in cfg.CourseDirectory:
        cfg.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.py"]
    return cfg


def _without_term_guard(cfg: Config) -> None:
    """Drop :class:`~nnkit.course.term.RefuseNbgraderAutograde`: a throwaway folder is no term."""
    pps = cfg.get("Autograde", {}).get("sanitize_preprocessors")
    if pps:
        def name(p) -> str:
            return p if isinstance(p, str) else p.__name__

        cfg.Autograde.sanitize_preprocessors = [p for p in pps if not name(p).endswith("RefuseNbgraderAutograde")]


class LogRecordList(logging.Handler):
    """A logging handler that keeps every record (nbgrader reports errors only through its log)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self) -> list[tuple[int, str]]:
        out = []
        for r in self.records:
            try:
                out.append((r.levelno, r.getMessage()))
            except Exception:  # a malformed nbgrader log call should not hide the others
                out.append((r.levelno, str(r.msg)))
        return out


@contextmanager
def captured_logger(name: str, echo: bool = False):
    """A fresh logger whose records are collected (and echoed to stderr when ``echo``)."""
    logger = logging.getLogger(f"nnkit.course.nbgrader.{name}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler = LogRecordList()
    logger.addHandler(handler)
    echo_handler = None
    if echo:
        echo_handler = logging.StreamHandler()
        echo_handler.setLevel(logging.INFO)
        echo_handler.setFormatter(logging.Formatter("[nbgrader] %(levelname)s %(message)s"))
        logger.addHandler(echo_handler)
    try:
        yield logger, handler
    finally:
        logger.removeHandler(handler)
        if echo_handler is not None:
            logger.removeHandler(echo_handler)


def _alembic_head() -> str:
    """nbgrader's current database schema revision, read with alembic's Python API."""
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    head = ScriptDirectory(ALEMBIC_DIR).get_current_head()
    if not head:
        raise RuntimeError("nbgrader's alembic folder has no head revision")
    return head


def prepare_nbgrader() -> None:
    """Make in-process nbgrader independent of ``PATH`` (and faster).

    A new gradebook stamps its schema revision by running the ``alembic`` command in a
    subprocess, which fails when the virtualenv's ``bin`` is not on ``PATH`` (``make test``
    calls ``.venv/bin/python`` directly) and takes seconds on a busy machine. The revision
    is a constant of the installed nbgrader, so it is read once through alembic's Python API.
    The venv's ``bin`` is also put on ``PATH`` for any other helper nbgrader shells out to.
    """
    import nbgrader.api as api

    bindir = os.path.dirname(sys.executable)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    if getattr(api.get_alembic_version, "_nnkit_cached", False):
        return
    try:
        head = _alembic_head()
    except Exception:  # fall back to nbgrader's own way, once
        head = api.get_alembic_version()

    def cached_alembic_version() -> str:
        return head

    cached_alembic_version._nnkit_cached = True
    api.get_alembic_version = cached_alembic_version


def run_converter(converter_cls, cfg: Config, logger: logging.Logger, **coursedir_traits) -> None:
    """Run one nbgrader converter (GenerateAssignment, Autograde, GenerateFeedback) in-process.

    Parameters
    ----------
    converter_cls : type
        An ``nbgrader.converters`` class.
    cfg : Config
        From :func:`work_config`.
    logger : logging.Logger
        Receives nbgrader's log.
    **coursedir_traits
        ``assignment_id``, ``student_id``, ``notebook_id`` ... for the ``CourseDirectory``.

    Raises
    ------
    nbgrader.converters.base.NbGraderException
        When nbgrader reports that something failed (after processing everything it could).
    """
    from nbgrader.coursedir import CourseDirectory

    prepare_nbgrader()
    coursedir = CourseDirectory(config=cfg, log=logger)
    for key, value in coursedir_traits.items():
        setattr(coursedir, key, value)
    converter = converter_cls(coursedir=coursedir, config=cfg, log=logger)
    cwd = os.getcwd()
    try:
        converter.start()
    finally:
        os.chdir(cwd)
