"""nbgrader's global configuration on the hub machine: copy to /etc/jupyter/nbgrader_config.py.

Every user's server and every `nbgrader` command reads it (it is on Jupyter's config path), so
students and instructors agree on where the exchange is and which course it holds. The
instructor's course folder adds its own nbgrader_config.py (source and release folders).
"""

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

# The folder nbgrader moves files through: release -> outbound/, submit -> inbound/.
# Create it once as root: mkdir -p /srv/nbgrader/exchange && chmod ugo+rwx /srv/nbgrader/exchange
c.Exchange.root = "/srv/nbgrader/exchange"

# Must equal `course.id` in the course's course.yml (tests/hub checks that it does).
c.CourseDirectory.course_id = "nnkit-how-networks-learn"
