"""The allocator settings of `ocrbot run`: a freed block of a photo's size goes back to the OS."""

import subprocess
import sys

BLOCK = 8 << 20
# A separate interpreter, so that this process's allocator stays as it is.
PROBE = f"""
import ctypes, sys
from bot import allocator
if sys.argv[1] == "tuned":
    assert allocator.tune()
libc = ctypes.CDLL(None)
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]

def resident_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

def touched_block():
    block = libc.malloc({BLOCK})
    ctypes.memset(block, 1, {BLOCK})
    return block

# Freeing a first large block raises glibc's own threshold past its size, so that by
# default the next block comes from the heap, where its pages stay once freed.
libc.free(touched_block())
block = touched_block()
before = resident_kb()
libc.free(block)
print(before - resident_kb())
"""


def returned_kb(mode: str) -> int:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


def test_a_freed_photo_sized_block_goes_back_to_the_os_once_tuned() -> None:
    assert returned_kb("tuned") >= BLOCK // 1024 * 9 // 10
    assert returned_kb("default") < BLOCK // 1024 // 2  # what the tuning changes
