"""FastAPI dependencies, as ``Annotated`` aliases so routes read as their needs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.auth import authenticate
from gateway.runtime import Runtime
from gateway.services.members import Member


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def current_member(request: Request, runtime: RuntimeDep) -> Member:
    """The member this signed request acts for (401/403 otherwise)."""
    return await authenticate(request, runtime)


CurrentMember = Annotated[Member, Depends(current_member)]
