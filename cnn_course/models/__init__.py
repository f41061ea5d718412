"""Model builders used by the chapters."""
