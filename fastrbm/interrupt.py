"""Stop training cleanly on Ctrl-C.

Inside ``with stop_on_interrupt():`` the first Ctrl-C does not raise: it sets
a flag that training loops poll after each minibatch (:func:`requested`), so
the model stops between updates, consistent, and can be saved. A second
Ctrl-C raises ``KeyboardInterrupt`` as usual. Outside the context nothing
changes.
"""
import contextlib
import signal
import threading

__all__ = ["stop_on_interrupt", "requested"]

_flag = threading.Event()


def requested():
    """True once Ctrl-C was pressed inside :func:`stop_on_interrupt`."""
    return _flag.is_set()


@contextlib.contextmanager
def stop_on_interrupt():
    """Turn the first SIGINT into a stop request for the training loops."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _flag.clear()

    def handler(signum, frame):
        if _flag.is_set():
            raise KeyboardInterrupt
        _flag.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _flag.clear()
