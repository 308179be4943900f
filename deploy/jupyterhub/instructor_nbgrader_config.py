"""The instructor's own nbgrader configuration: copy to ~/.jupyter/nbgrader_config.py.

The instructor's JupyterLab starts in their home folder; this points nbgrader's Formgrader
(and any `nbgrader` command run outside the course folder) at the course clone, whose own
nbgrader_config.py sets the course root, solutions/ as the source and chapters/ as the release.
Change COURSE if the clone lives elsewhere.
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

COURSE = os.environ.get("NNKIT_COURSE_DIR", os.path.expanduser("~/nnkit"))
load_subconfig(os.path.join(COURSE, "nbgrader_config.py"))  # noqa: F821
