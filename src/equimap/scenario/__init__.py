"""Scenarios: what added, removed or moved service sites change, and where new sites should go."""
