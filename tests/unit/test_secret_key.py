"""Several workers starting together on a fresh instance must agree on one SECRET_KEY: a worker
with another key would refuse every session cookie and CSRF token the others signed."""
import multiprocessing
import os
import secrets
import stat
import time

import pytest

import config

# Its own folder and processes: no database, no per-test rollback needed.
pytestmark = pytest.mark.live

WORKERS = 12


def _start_worker(instance_dir, barrier, results):
    config.INSTANCE_DIR = instance_dir
    os.environ.pop("SECRET_KEY", None)
    # A slow random source (a busy machine at boot) widens the window between "no key yet"
    # and "key written" that every worker may see.
    token_urlsafe = secrets.token_urlsafe

    def slow_token(*args):
        time.sleep(0.2)
        return token_urlsafe(*args)

    config.secrets.token_urlsafe = slow_token
    barrier.wait()
    results.put(config._secret_key())


def test_workers_started_at_once_share_one_secret_key(tmp_path):
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(WORKERS), context.Queue()
    workers = [context.Process(target=_start_worker, args=(tmp_path, barrier, results))
               for _ in range(WORKERS)]
    for worker in workers:
        worker.start()
    keys = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    key_file = tmp_path / "secret_key"
    assert set(keys) == {key_file.read_text().strip()}
    assert len(keys[0]) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary file left


def test_the_environment_key_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-key-from-the-environment-of-32-bytes-or-more")
    assert config._secret_key(tmp_path) == "a-key-from-the-environment-of-32-bytes-or-more"
    assert not (tmp_path / "secret_key").exists()
