"""Meadow's Inngest functions: movie plots from OMDb, cached, mailed."""
