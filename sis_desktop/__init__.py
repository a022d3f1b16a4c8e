"""SIS Desktop: a desktop uploader for Canvas LMS SIS imports."""

__version__ = "0.1.0"
APP_NAME = "SIS Desktop"
