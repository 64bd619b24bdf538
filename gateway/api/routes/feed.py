"""The change feed: what changed that you may see, in order, from a cursor; long-polled."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from gateway.api.deps import ContainerDep, CurrentMember
from gateway.container import Container
from gateway.services import feed
from gateway.services.members import Member

router = APIRouter(prefix="/v1", tags=["feed"])


MAX_WAITERS = 64
"""Long-polls held at once per process; more are answered at once (they read on, they do not wait)."""


@router.get("/feed")
async def read_feed(
    request: Request,
    member: CurrentMember,
    container: ContainerDep,
    after: Annotated[
        str | None,
        Query(max_length=feed.MAX_CURSOR, pattern=r"^[A-Za-z0-9_-]+$", description="the last answer's `cursor`"),
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=feed.MAX_LIMIT, description="events per answer (default 100)")] = None,
    wait: Annotated[
        float, Query(ge=0, le=feed.MAX_WAIT, description="seconds to wait for an event when there is none yet")
    ] = 0,
    receipts: Annotated[bool, Query(description="false: anchorings without their receipts (cheaper)")] = True,
) -> dict[str, Any]:
    """Events you may see after `after` (from the start without it), oldest first: records committed,
    versioned, anchored (with the receipt), erased; grants given, revoked, expired. Read on with
    `cursor` (or GET `next`, signed, as is); reading again from an old cursor answers the same events."""
    position = feed.decode_cursor(container, after)
    size = feed.check_limit(limit)
    loop = asyncio.get_running_loop()
    holding = wait > 0 and container.feed_waiters < MAX_WAITERS
    deadline = loop.time() + (wait if holding else 0)
    container.feed_waiters += holding
    try:
        page = await _wait_for_events(request, container, member, position, size, receipts, deadline)
    finally:
        container.feed_waiters -= holding
    cursor = feed.encode_cursor(container, page.position)
    return {"events": page.events, "cursor": cursor, "next": f"/v1/feed?after={cursor}"}


async def _wait_for_events(
    request: Request, container: Container, member: Member, position: int, size: int, receipts: bool, deadline: float
) -> feed.FeedPage:
    """Look at the feed until it has an event for ``member``, the deadline passes or the client goes away."""
    loop = asyncio.get_running_loop()
    while True:
        top = await run_in_threadpool(feed.refresh, container)
        feed.check_position(position, top)
        page = feed.FeedPage([], position)
        if top > position:
            read = partial(feed.read_feed, container, member, position, size, receipts=receipts)
            page = await run_in_threadpool(read)
        position = page.position
        remaining = deadline - loop.time()
        if page.events or remaining <= 0 or await request.is_disconnected():
            return page
        await asyncio.sleep(min(container.settings.feed_poll, remaining))
