# SPDX-License-Identifier: MIT
"""spinal: Python side of the spinal real-time policy core.

spinal.driver -- write a robot driver for spinal-core --io shm (ctypes over
libspinal-driver.so.1; no compiled extension).  docs/driver.md.
"""
__all__ = ["driver"]
