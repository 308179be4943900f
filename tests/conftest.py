"""Suite-wide pytest settings.

Hypothesis: locally every run explores new examples (and remembers failures in .hypothesis/);
under CI (`CI` set, as `.ci/run` does) the examples are derandomized so a green main stays green
and a red run can be reproduced exactly.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
