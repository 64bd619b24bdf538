"""Residents: enrolment by committees (``/v1/residents``), the resident's own view (``/v1/me/…``),
and residents' requests with the committee's inbox (``/v1/requests``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query

from gateway.api.deps import ContainerDep, CurrentMember, CurrentResident
from gateway.api.schemas import MAX_INT63, DecideRequest, EnrolResident, FileRequest
from gateway.services import me, requests, residents

router = APIRouter(prefix="/v1", tags=["residents"])

Address = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{40}$", description="a resident's key (address)")]


@router.post("/residents", status_code=201)
def enrol(body: EnrolResident, member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """Enrol a resident's key (a committee's recorder or admin, after checking identity in person)."""
    return residents.enrol(container, member, body.model_dump(mode="json"))


@router.delete("/residents/{address}")
def revoke(address: Address, member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """Revoke a resident's key enrolled by your committee (a lost phone, a key handed over)."""
    return residents.revoke_key(container, address, by=member)


@router.get("/me/keys")
def my_keys(resident: CurrentResident, container: ContainerDep) -> dict[str, Any]:
    """Your keys (revoked ones too) and the committee that enrolled each."""
    return {"subject_key": resident.subject_key, "keys": residents.keys_of(container, resident)}


@router.delete("/me/keys/{address}")
def revoke_mine(address: Address, resident: CurrentResident, container: ContainerDep) -> dict[str, Any]:
    """Revoke one of your keys (signed with any of your keys)."""
    return residents.revoke_key(container, address, by=resident)


@router.get("/me/records")
def my_records(resident: CurrentResident, container: ContainerDep) -> dict[str, Any]:
    """Every record about you, whole, with its disclosure and receipt to verify (each read is logged)."""
    return me.my_records(container, resident)


@router.get("/me/access")
def my_access(
    resident: CurrentResident,
    container: ContainerDep,
    map_size: Annotated[int | None, Query(ge=0, le=MAX_INT63, description="the anchored subject map's size")] = None,
) -> dict[str, Any]:
    """Every access-log entry about you, with the proofs that nothing was left out (docs/spec/subject-map.md)."""
    return me.my_access(container, resident, map_size)


@router.post("/me/requests", status_code=201)
def file_request(body: FileRequest, resident: CurrentResident, container: ContainerDep) -> dict[str, Any]:
    """Ask the committee to correct or erase a record about you."""
    return requests.file_request(container, resident, body.model_dump(mode="json"))


@router.get("/me/requests")
def my_requests(resident: CurrentResident, container: ContainerDep) -> list[dict[str, Any]]:
    """Your requests and what became of them."""
    return requests.my_requests(container, resident)


@router.get("/requests")
def inbox(
    member: CurrentMember,
    container: ContainerDep,
    status: Annotated[Literal["open", "accepted", "refused"] | None, Query()] = None,
) -> list[dict[str, Any]]:
    """Residents' requests on your organisation's records (recorders and admins)."""
    return requests.inbox(container, member, status)


@router.post("/requests/{request_id}:accept")
def accept(request_id: UUID, body: DecideRequest, member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """Accept a request: a correction by the new version named in ``record_id``; an erasure by erasing (admins)."""
    return requests.decide(container, member, str(request_id), accept=True, body=body.model_dump(mode="json"))


@router.post("/requests/{request_id}:refuse")
def refuse(request_id: UUID, body: DecideRequest, member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """Refuse a request, with the reason the resident will read."""
    return requests.decide(container, member, str(request_id), accept=False, body=body.model_dump(mode="json"))
