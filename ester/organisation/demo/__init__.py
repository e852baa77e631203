"""The demo city (being split into a package; see ``loader``)."""

from ester.organisation.demo.loader import PASSWORD, load_demo_city

__all__ = ["PASSWORD", "load_demo_city"]
