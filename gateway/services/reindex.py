"""Re-derive every stored record's subject keys from its payload (``gridledger subjects reindex``).

Needed once after upgrading a database from before subjects were read from the data
(revision 0010: its records carry the keys the committer sent, usually none), after a
record type's schema marks new subject fields, and after the subject secret is rotated.
Each changed record is re-sealed with its new keys and the log size from which its reads
are logged under them, so the integrity sweep compares only reads logged since.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select

from gateway.container import Container
from gateway.db.models import Payload, Record, SubjectIndex
from gateway.services.records import seal_plaintext, subject_keys_of, unseal

PAGE = 500


def reindex_subjects(container: Container) -> dict[str, Any]:
    """Re-derive, page by page; answers how many records were checked and how many changed."""
    since = container.access_log.size()
    checked = changed = 0
    after = ""
    while True:
        with container.sessions() as session:
            rows = session.execute(
                select(Record.id, Record.record_type, Payload)
                .join(Payload, Payload.record_id == Record.id)
                .where(Record.id > after, Record.erased_at.is_(None))
                .order_by(Record.id)
                .limit(PAGE)
            ).all()
            if not rows:
                return {"checked": checked, "changed": changed, "from_log_size": since}
            for record_id, record_type, stored in rows:
                sealed = unseal(container, record_id, stored)
                keys = subject_keys_of(container, record_type, sealed.payload)
                checked += 1
                if keys == sealed.subject_keys:
                    continue
                stored.ciphertext, stored.wrapped_key = container.vault.seal(
                    record_id, seal_plaintext(sealed.payload, sealed.secret, keys, since)
                )
                stored.key_id = container.vault.key_id
                session.execute(delete(SubjectIndex).where(SubjectIndex.record_id == record_id))
                if keys:
                    session.execute(insert(SubjectIndex), [{"subject_key": k, "record_id": record_id} for k in keys])
                changed += 1
            session.commit()
            after = rows[-1][0]
