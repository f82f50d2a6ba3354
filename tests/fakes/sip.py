"""The simulated system now lives in the package (integrations/simulators/sip.py), where `dutydesk demo` runs it
too; the tests keep importing it from here."""

from integrations.simulators.sip import *  # noqa: F403
