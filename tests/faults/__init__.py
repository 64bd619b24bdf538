"""The fault matrix: real processes killed and restarted while a client commits."""
