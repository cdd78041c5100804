"""Files Marelle keeps on disk (documents, invoice PDFs, print batches) hold families' data:
readable and writable by the application's own system user only."""
import os
from pathlib import Path

from flask import current_app


def private_folder(*parts) -> Path:
    """UPLOAD_DIR, or a folder under it, created (or tightened) to mode 0700."""
    root = Path(current_app.config["UPLOAD_DIR"])
    path = root.joinpath(*parts)
    for folder in {root, path}:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if folder.stat().st_mode & 0o077:
            folder.chmod(0o700)
    return path


def write_private(path: Path, content: bytes) -> None:
    """A new file created with mode 0600, so that it is never readable by others, not even
    for the moment between writing and a later chmod."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
