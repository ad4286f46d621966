"""A PATH without Node.js, for tests of what users without it get."""
from __future__ import annotations

import os
import pathlib

NODE_PROGRAMS = ("node", "nodejs", "npm", "npx", "corepack", "yarn", "jlpm")


def path_without_node(shadows: pathlib.Path) -> str:
    """PATH as it is, except that folders holding Node.js are replaced by copies (links) of
    themselves without it: a machine where Node.js was never installed."""
    folders = []
    for i, folder in enumerate(os.environ.get("PATH", "").split(os.pathsep)):
        if not folder or not os.path.isdir(folder):
            continue
        if not any(os.path.exists(os.path.join(folder, name)) for name in NODE_PROGRAMS):
            folders.append(folder)
            continue
        shadow = shadows / str(i)
        shadow.mkdir(parents=True)
        for entry in os.scandir(folder):
            if entry.name not in NODE_PROGRAMS:
                (shadow / entry.name).symlink_to(entry.path)
        folders.append(str(shadow))
    return os.pathsep.join(folders)
