"""Ends a fake device when the process that started it is gone.

A test process that ends without stopping its fakes (killed, or crashed) left them serving for
ever, holding whatever they inherited: its stderr among it, which keeps `swift test` waiting after
the tests have ended (it reads that pipe until every holder has closed it).
"""
import os, threading, time


def exit_with_parent():
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
