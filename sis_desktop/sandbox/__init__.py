"""A local Canvas-compatible SIS Imports server (127.0.0.1 only) for tests and demos.

    with Sandbox(speed=1000) as sandbox:       # or .start() / .stop(); stop+start keeps state
        sandbox.url, sandbox.token, sandbox.account_id
        sandbox.hold("importing"); sandbox.release()
        sandbox.inject_fault("503", method="GET", path=r"/sis_imports/\\d+$", count=2)

Test controls over HTTP (no token): POST/DELETE /__sandbox/faults (JSON: kind, method, path,
count, delay), POST /__sandbox/hold (JSON: state), POST /__sandbox/release.
"""
from .server import Sandbox

__all__ = ["Sandbox"]
