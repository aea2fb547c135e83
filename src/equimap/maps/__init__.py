"""Folium map-layer builders, one module per layer (never imports streamlit)."""

from equimap.maps._choropleth import GeometryStore

__all__ = ["GeometryStore"]
