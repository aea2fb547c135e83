"""Map-layer builders: GeoDataFrames and translated labels in, folium objects out.

Nothing here imports streamlit, so every layer can be rendered and tested on its own,
and the same layers serve the app and any script.
"""
