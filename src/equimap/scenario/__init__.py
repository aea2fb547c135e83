"""Scenarios: what added, removed or moved service sites change, for whom, and where new sites should go.

`changes` reads and writes scenario files and applies them to a list of sites; `fast`
updates today's access table for the changed sites; `engine` compares the analyses before
and after, per group, urbanisation class, cell and council, under small-count protection;
`optimise` suggests new sites (location–allocation) and writes them as a scenario.
"""
