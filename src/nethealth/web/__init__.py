"""Server-rendered dashboard pages, their JSON twins, the SVG map and charts."""
