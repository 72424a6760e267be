"""Renderers: text and bytes made from models (ICS, M3U8, the printable sheet, terminal text). No I/O."""
