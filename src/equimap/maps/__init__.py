"""Map layers for folium: each module turns GeoDataFrames and translated labels into one overlay.

Nothing here imports streamlit; the app passes already-translated text.
"""
