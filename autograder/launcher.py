"""Start a sandbox as an unprivileged user, from a root grader. Runs as root, just before bubblewrap.

Standalone on purpose (standard library only, run with ``python -I -S``): it is the last trusted
step between the grader and bubblewrap.

    usage: python launcher.py UID STAGE SOURCE... -- COMMAND...

In a mount namespace of its own (nothing it mounts is seen by the host), it mounts a tmpfs on
STAGE and binds each SOURCE at STAGE/<its index>, then becomes UID (and group UID, no
supplementary groups) and executes COMMAND. Bubblewrap, running as that user, reads its mount
sources from STAGE, so they need not be reachable by that user where they are (a virtual
environment under /root, a job folder under a private temporary folder).
"""

import ctypes
import os
import sys

CLONE_NEWNS = 0x00020000
MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 2, 4, 4096, 16384, 1 << 18

libc = ctypes.CDLL(None, use_errno=True)


def _mount(source, target, fstype, flags, data=None):
    encode = lambda text: text.encode() if text is not None else None  # noqa: E731
    if libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {source} on {target}: {os.strerror(errno)}")


def stage(folder, sources):
    """Bind ``sources`` at ``folder``/0, /1, ... in a new, private mount namespace."""
    if libc.unshare(CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
    for index, source in enumerate(sources):
        target = os.path.join(folder, str(index))
        if os.path.isdir(source):
            os.mkdir(target)
        else:
            open(target, "x").close()
        _mount(source, target, None, MS_BIND | MS_REC)


def become(uid):
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def main(argv):
    split = argv.index("--")
    uid, folder, sources, command = int(argv[1]), argv[2], argv[3:split], argv[split + 1:]
    if uid == 0:
        raise SystemExit("launcher: refusing to run a sandbox as root")
    stage(folder, sources)
    become(uid)
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv)
