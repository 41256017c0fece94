"""The site's Redis cache (a redis:// CACHE_URL) is Django's, with one client per pool: the
same answers, against the machine's Redis, without building a client on every call."""

import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from integrations_site.redis_cache import RedisCache

REDIS = "redis://127.0.0.1:6379/13"


@pytest.fixture
def redis_cache():
    cache = RedisCache(REDIS, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    yield cache
    cache.clear()


def test_a_redis_cache_url_gets_the_reusing_backend():
    env = {
        **os.environ,
        "ENV_FILE": "",
        "DEBUG": "1",
        "CACHE_URL": REDIS,
        "DJANGO_SETTINGS_MODULE": "integrations_site.settings",
    }
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.CACHES, settings.SESSION_ENGINE)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout
    assert "'BACKEND': 'integrations_site.redis_cache.RedisCache'" in shown
    assert "'LOCATION': 'redis://127.0.0.1:6379/13'" in shown
    # Sessions are read from the cache only because every process shares it.
    assert shown.strip().endswith("django.contrib.sessions.backends.cached_db")


def test_a_process_local_cache_never_fronts_sessions(settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_one_client_per_pool_and_the_same_answers(redis_cache):
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client
    assert redis_cache.get("missing") is None
    assert redis_cache.add("k", 1, timeout=30) is True
    assert redis_cache.add("k", 2, timeout=30) is False
    assert redis_cache.incr("k") == 2
    redis_cache.set_many({"a": {"x": 1}, "b": [1, 2]}, timeout=30)
    assert redis_cache.get_many(["a", "b", "c"]) == {"a": {"x": 1}, "b": [1, 2]}
    redis_cache.delete("a")
    assert redis_cache.get("a") is None


def test_the_shared_client_serves_many_threads(redis_cache):
    errors = []

    def work(number: int) -> None:
        try:
            for step in range(50):
                redis_cache.set(f"t{number}", step, timeout=30)
                assert redis_cache.get(f"t{number}") == step
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert redis_cache.get_many([f"t{n}" for n in range(20)]) == {f"t{n}": 49 for n in range(20)}
