"""WithPanicRecovery: every failure becomes a metav1.Status; nothing crashes the server.

A StatusError raised anywhere below is written as its Status. Any other exception is a bug:
it is answered with 500 InternalError, and kept in ``errors`` so the code that started the
server (a test) can re-raise it instead of losing it in a thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fakeapi.apimachinery import errors
from fakeapi.endpoints.handlers.common import write_status_error
from fakeapi.endpoints.http import Handler, Request, ResponseWriter

logger = logging.getLogger("fakeapi.server")


def with_panic_recovery(handler: Handler, record_error: Callable[[BaseException], None]) -> Handler:
    def recover(req: Request, w: ResponseWriter) -> None:
        try:
            handler(req, w)
        except errors.StatusError as err:
            if w.head_written:
                return  # a stream already started: it just ends
            write_status_error(req, w, err)
        except (ConnectionError, TimeoutError):
            return  # the client went away; nothing to answer
        except RecursionError:
            # Only input nested deeper than Python's stack allows gets here (a decode or walk of it): the
            # client's fault, answered as Go's decoder answers nesting beyond its limit.
            if not w.head_written:
                write_status_error(req, w, errors.new_bad_request(errors.EXCEEDED_MAX_DEPTH))
        except Exception as exc:
            logger.exception("internal error serving %s %s", req.method, req.path)
            record_error(exc)
            if not w.head_written:
                write_status_error(req, w, errors.new_internal_error(f"{type(exc).__name__}: {exc}"))

    return recover
