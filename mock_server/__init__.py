"""A Flask mock of Ravan.ai's Get Appointment API, driven by openapi.yaml and an embedded dataset."""

from mock_server.app import create_app
from mock_server.config import MockConfig

__all__ = ["create_app", "MockConfig"]
