"""The simulated system now lives in the package (integrations/simulators/dynamics.py), where `dutydesk demo` runs it
too; the tests keep importing it from here."""

from integrations.simulators.dynamics import *  # noqa: F403
