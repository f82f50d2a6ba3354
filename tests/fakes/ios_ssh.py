"""The simulated system now lives in the package (integrations/simulators/ios_ssh.py), where `dutydesk demo` runs it
too; the tests keep importing it from here."""

from integrations.simulators.ios_ssh import *  # noqa: F403
