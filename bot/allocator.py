"""The C allocator, set for a long-running process that handles photos of several MB.

glibc raises its mmap threshold each time a large block is freed, up to 32 MB, so that
later downloads and decoded images come from the heap, where freed space mostly stays with
the process; and each worker thread gets an arena of its own. Under a burst of phone
photos that held the process at 400 MB and more for work that needs 300. A fixed
threshold returns every block of 1 MiB or more to the system when freed, and two arenas
are enough for an event loop and its few image workers.
"""

import ctypes
import logging

log = logging.getLogger(__name__)

MMAP_THRESHOLD_BYTES = 1 << 20
ARENA_MAX = 2
_M_MMAP_THRESHOLD = -3  # glibc's <malloc.h>
_M_ARENA_MAX = -8


def tune() -> bool:
    """Apply the settings above, before the process starts its threads; False where the
    C library is not glibc (musl, macOS), which is left as it is."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        log.debug("No mallopt in this C library; allocator left as it is")
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    tuned = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(_M_ARENA_MAX, ARENA_MAX)
    )
    log.debug("Allocator tuned: %s", tuned)
    return tuned
