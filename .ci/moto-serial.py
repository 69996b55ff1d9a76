"""Runs moto's server with one request handled at a time.

moto applies a DynamoDB transaction by copying the table, and restores that copy when a condition
fails. Two transactions in parallel threads can therefore undo each other's writes, which
DynamoDB itself never does. Holding one lock per request keeps moto's threads (and keep-alive
connections) but makes every transaction atomic with respect to the others.

Usage: python moto-serial.py PORT
"""

import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

moto = DomainDispatcherApplication(create_backend_app)
one_at_a_time = threading.Lock()


def serialized(environ, start_response):
    with one_at_a_time:
        return list(moto(environ, start_response))


if __name__ == "__main__":
    run_simple(
        "127.0.0.1",
        int(sys.argv[1]),
        serialized,
        threaded=True,
        request_handler=MotoRequestHandler,
    )
