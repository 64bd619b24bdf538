"""FastAPI dependencies, as ``Annotated`` aliases so routes read as their needs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.api.auth import authenticate, authenticate_resident
from gateway.container import Container
from gateway.services.members import Member
from gateway.services.residents import Resident


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


async def current_member(request: Request, container: ContainerDep) -> Member:
    """The member this signed request acts for (401/403 otherwise)."""
    return await authenticate(request, container)


CurrentMember = Annotated[Member, Depends(current_member)]


async def current_resident(request: Request, container: ContainerDep) -> Resident:
    """The enrolled resident this signed request acts for (401/403 otherwise)."""
    return await authenticate_resident(request, container)


CurrentResident = Annotated[Resident, Depends(current_resident)]
