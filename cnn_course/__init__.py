"""Helpers shared by the chapters and assignments of the CNN case-studies course."""

from cnn_course.data import DataError, resolve, resolve_dir

__all__ = ["DataError", "resolve", "resolve_dir"]
