"""Outbound health probes: HTTP, TCP, TLS, SIP OPTIONS, freshness and the Cisco/Dynamics recipes."""
