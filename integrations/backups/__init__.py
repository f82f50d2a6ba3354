"""Outbound backup drivers (command, http, ssh) and the artifact store (files, retention, git history)."""
