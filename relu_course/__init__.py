"""relu_course: the maths and machinery the lessons of the ReLU course share.

Every public name of every module is a name of the package: ``rc.relu``,
``rc.train``. Each module's ``__all__`` lists its own, once.

>>> import relu_course as rc
>>> rc.relu(-1.5), rc.subdifferential(0.0)
(0.0, Interval(low=0.0, high=1.0))
"""

from relu_course import (
    activation,
    animation,
    batched,
    data,
    derivative,
    digits,
    dying,
    explorables,
    figures,
    initialisation,
    loop,
    panels,
    plane,
    regressor,
    style,
    training,
)
from relu_course.activation import *  # noqa: F403 - the names of each module's __all__
from relu_course.animation import *  # noqa: F403
from relu_course.batched import *  # noqa: F403
from relu_course.data import *  # noqa: F403
from relu_course.derivative import *  # noqa: F403
from relu_course.digits import *  # noqa: F403
from relu_course.dying import *  # noqa: F403
from relu_course.explorables import *  # noqa: F403
from relu_course.figures import *  # noqa: F403
from relu_course.initialisation import *  # noqa: F403
from relu_course.loop import *  # noqa: F403
from relu_course.panels import *  # noqa: F403
from relu_course.plane import *  # noqa: F403
from relu_course.regressor import *  # noqa: F403
from relu_course.style import *  # noqa: F403
from relu_course.training import *  # noqa: F403

# The forms type checkers read (PEP 8's public interface, as mypy and pyright
# understand it): every module's own list, added up.
__all__: list[str] = []
__all__ += activation.__all__
__all__ += animation.__all__
__all__ += batched.__all__
__all__ += data.__all__
__all__ += derivative.__all__
__all__ += digits.__all__
__all__ += dying.__all__
__all__ += explorables.__all__
__all__ += figures.__all__
__all__ += initialisation.__all__
__all__ += loop.__all__
__all__ += panels.__all__
__all__ += plane.__all__
__all__ += regressor.__all__
__all__ += style.__all__
__all__ += training.__all__
