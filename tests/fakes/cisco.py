"""The simulated system now lives in the package (integrations/simulators/cisco.py), where `dutydesk demo` runs it
too; the tests keep importing it from here."""

from integrations.simulators.cisco import *  # noqa: F403
