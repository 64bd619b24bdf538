"""The gateway's logic, apart from HTTP: records, anchoring, record types, members."""
