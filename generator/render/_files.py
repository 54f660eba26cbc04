"""Give a finished output file the mode any new file gets under the user's umask."""

from __future__ import annotations

import os


def _umask() -> int:
    # Linux reports the umask in /proc without changing it; os.umask can only read it by
    # setting it, which is not safe while another thread creates files.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def publish_mode(path) -> None:
    """Set ``path`` (a temporary file from mkstemp, mode 0600) to 0666 less the umask.

    mkstemp keeps temporary files private; the renamed result is a document for
    colleagues on a shared folder and must get the mode ``open()`` would give it.
    """
    os.chmod(path, 0o666 & ~_umask())
