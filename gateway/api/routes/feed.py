"""The change feed: what changed that you may see, in order, from a cursor; long-polled."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from gateway.api.deps import ContainerDep, CurrentMember
from gateway.services import feed

router = APIRouter(prefix="/v1", tags=["feed"])


@router.get("/feed")
async def read_feed(
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
    position = feed.decode_cursor(after)
    size = feed.check_limit(limit)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        top = await run_in_threadpool(feed.refresh, container)
        page = feed.FeedPage([], position)
        if top > position:
            read = partial(feed.read_feed, container, member, position, size, receipts=receipts)
            page = await run_in_threadpool(read)
        position = page.position
        remaining = deadline - loop.time()
        if page.events or remaining <= 0:
            break
        await asyncio.sleep(min(container.settings.feed_poll, remaining))
    cursor = feed.encode_cursor(page.position)
    return {"events": page.events, "cursor": cursor, "next": f"/v1/feed?after={cursor}"}
