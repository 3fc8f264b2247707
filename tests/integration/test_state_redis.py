"""A session's page state between workers on the production stack (Redis, opportunistic locks: rxconfig.py).

The worker serving a session keeps its state between events; another worker that needs it (the browser's
websocket moved there on a reload) must get the latest state at once, not after the holder's lease runs out.
"""

import asyncio
import os
import time
import uuid

import pytest

pytest.importorskip("redis")


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("STAPP_TEST_REDIS_URL")
    if not url:
        pytest.skip("needs STAPP_TEST_REDIS_URL (.ci/run sets it)")
    return url


async def _forget(redis_url: str, ident: str) -> None:
    """Remove the test session's keys (its states and lock) from Redis."""
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    keys = [k async for k in redis.scan_iter(match=f"{ident}*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


def test_a_session_moving_to_another_worker_finds_its_latest_state_at_once(redis_url, monkeypatch):
    from redis.asyncio import Redis
    from reflex.istate.manager.redis import StateManagerRedis
    from reflex.istate.manager.token import BaseStateToken

    from stapp.state.financing import FinancingState

    monkeypatch.setenv("REFLEX_OPLOCK_ENABLED", "true")  # what rxconfig.py sets with REFLEX_REDIS_URL

    async def scenario() -> tuple[list[str], float, float, float]:
        first, second = (StateManagerRedis(redis=Redis.from_url(redis_url)) for _ in range(2))
        assert first._oplock_enabled and second._oplock_enabled
        token = BaseStateToken(ident=f"test-{uuid.uuid4()}", cls=FinancingState)
        seen: list[str] = []
        try:
            for _ in range(50):  # a worker leases only once it listens for other workers asking (its first events)
                async with first.modify_state(token) as root:  # the first worker takes the session and keeps it
                    (await root.get_state(FinancingState)).size = "25"
                if token.lock_key in first._local_leases:
                    break
                await asyncio.sleep(0.05)
            assert token.lock_key in first._local_leases, "the first worker holds no lease: nothing is measured"
            started = time.monotonic()
            async with second.modify_state(token) as root:  # the browser's websocket moved to another worker
                state = await root.get_state(FinancingState)
                seen.append(state.size)
                state.size = "100"
            to_second = time.monotonic() - started
            started = time.monotonic()
            async with first.modify_state(token) as root:  # and back again
                seen.append((await root.get_state(FinancingState)).size)
            to_first = time.monotonic() - started
            return seen, to_second, to_first, first.oplock_hold_time_ms / 1000
        finally:
            await first.close()
            await second.close()
            await _forget(redis_url, token.ident)

    seen, to_second, to_first, hold = asyncio.run(scenario())
    assert seen == ["25", "100"]
    # handed over when asked: the holder's lease would otherwise keep it for ``hold`` (5 s)
    assert to_second < hold / 2 and to_first < hold / 2, (to_second, to_first)


def test_a_worker_that_stops_writes_back_the_sessions_it_held(redis_url, monkeypatch):
    """A deploy stops workers: Reflex closes the state manager at shutdown, which writes back what it holds."""
    from redis.asyncio import Redis
    from reflex.istate.manager.redis import StateManagerRedis
    from reflex.istate.manager.token import BaseStateToken

    from stapp.state.financing import FinancingState

    monkeypatch.setenv("REFLEX_OPLOCK_ENABLED", "true")

    async def scenario() -> str:
        stopping = StateManagerRedis(redis=Redis.from_url(redis_url))
        token = BaseStateToken(ident=f"test-{uuid.uuid4()}", cls=FinancingState)
        try:
            for _ in range(50):
                async with stopping.modify_state(token) as root:
                    (await root.get_state(FinancingState)).size = "10"
                if token.lock_key in stopping._local_leases:
                    break
                await asyncio.sleep(0.05)
            assert token.lock_key in stopping._local_leases, "no lease held: nothing is measured"
        finally:
            await stopping.close()
        other = StateManagerRedis(redis=Redis.from_url(redis_url))
        try:
            started = time.monotonic()
            async with other.modify_state(token) as root:
                size = (await root.get_state(FinancingState)).size
            assert time.monotonic() - started < other.oplock_hold_time_ms / 2000, "waited for a lock never released"
            return size
        finally:
            await other.close()
            await _forget(redis_url, token.ident)

    assert asyncio.run(scenario()) == "10"
