"""Reports computed from live data: the federation overview and per-role home summaries."""
