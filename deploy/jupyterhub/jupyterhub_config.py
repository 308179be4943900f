"""JupyterHub for a class taking the nnkit course on one machine (see README.md beside this file).

Every student and instructor is a local system user (PAM login); each one's server runs as
that user (LocalProcessSpawner), from the Python environment the hub itself runs in (the
course's venv, with nnkit, nbgrader and JupyterLab), and opens JupyterLab. Files move between
them only through nbgrader's exchange folder (its location is in /etc/jupyter/nbgrader_config.py,
see nbgrader_config.py beside this file), so home folders can stay private (mode 0700).

Two Unix groups decide who is who (names overridable for a test or a second class):
    NNKIT_HUB_INSTRUCTORS  (default "instructors")  hub admins; their lab keeps nbgrader's
                                                    Formgrader and Create Assignment tools
    NNKIT_HUB_STUDENTS     (default "students")     their lab shows the Assignments tab
                                                    (fetch, submit) and Validate, nothing else
Other settings:
    NNKIT_HUB_STATE        (default /srv/jupyterhub) the hub's database and cookie secret
    NNKIT_HUB_PORT         (default 8000)            the public port (put TLS in front of it)

Start it as root (it has to switch to each user): `jupyterhub -f jupyterhub_config.py`.
"""

import grp
import os
import pwd
import sys

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

HERE = os.path.dirname(os.path.abspath(__file__))
INSTRUCTORS = os.environ.get("NNKIT_HUB_INSTRUCTORS", "instructors")
STUDENTS = os.environ.get("NNKIT_HUB_STUDENTS", "students")
STATE = os.environ.get("NNKIT_HUB_STATE", "/srv/jupyterhub")
# Put first on a student's JUPYTER_CONFIG_PATH: turns off the instructor-only nbgrader tools.
STUDENT_CONFIG = os.path.join(HERE, "student-config")

# --- who may log in --------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "pam"
c.LocalAuthenticator.allowed_groups = {INSTRUCTORS, STUDENTS}
c.PAMAuthenticator.admin_groups = {INSTRUCTORS}
c.LocalAuthenticator.create_system_users = False  # accounts come from the system (useradd)

# --- where the hub listens and keeps its state ----------------------------------------------
c.JupyterHub.bind_url = f"http://:{int(os.environ.get('NNKIT_HUB_PORT', '8000'))}"
c.JupyterHub.db_url = f"sqlite:///{os.path.join(STATE, 'jupyterhub.sqlite')}"
c.JupyterHub.cookie_secret_file = os.path.join(STATE, "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.command = ["configurable-http-proxy"]  # npm install -g configurable-http-proxy

# --- each user's server ---------------------------------------------------------------------
c.JupyterHub.spawner_class = "localprocess"
# The server of every user comes from this environment (the course's venv), whatever their PATH.
c.Spawner.cmd = [os.path.join(sys.prefix, "bin", "jupyterhub-singleuser")]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab"
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 120


def is_instructor(username: str) -> bool:
    """Member of the instructors group (as a supplementary or as the primary group)."""
    try:
        group = grp.getgrnam(INSTRUCTORS)
    except KeyError:
        return False
    if username in group.gr_mem:
        return True
    try:
        return pwd.getpwnam(username).pw_gid == group.gr_gid
    except KeyError:
        return False


def pre_spawn_hook(spawner):
    """Students get the student-config folder first on their JUPYTER_CONFIG_PATH."""
    env = dict(spawner.environment)  # never mutate the shared configured dict
    paths = [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p]
    if not is_instructor(spawner.user.name):
        paths.insert(0, STUDENT_CONFIG)
    if paths:
        env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    spawner.environment = env


c.Spawner.pre_spawn_hook = pre_spawn_hook
