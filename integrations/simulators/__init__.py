"""Simulated customer systems on 127.0.0.1, speaking the published protocols: Cisco CUCM (AXL, Control
Center services, RISPort70) and UCCX (cisco.py), Dynamics CRM WhoAmI with real NTLM/Negotiate or OAuth 2
(dynamics.py), a SIP OPTIONS responder (sip.py) and an SSH Cisco device for backups (ios_ssh.py).

``dutydesk demo`` (bot/demo/) runs them so that health checks and backups can be watched without the
customer's servers, and the tests use them as the peers of the probes and backup drivers. They are
refusal-strict like the real systems (each rule names the documentation it follows) and never bind an
address other than 127.0.0.1.
"""
