"""What the render fork server loads once, before it forks a child per render.

Django is set up here, in the fork server, so each render child starts with it set up
(it cost each child about 0.25 CPU seconds). Preloaded by `riskreg.pdf._context`.
"""

import django

django.setup()

from riskreg import pdf  # noqa: E402, F401  (WeasyPrint imported and patched once too)

SET_UP_IN = __import__("os").getpid()  # the fork server's process: children report it
