"""Ends a fake device when the process that started it is gone.

A test process that ends without stopping its fakes (killed, or crashed) would leave them serving
for ever, holding whatever they inherited: its stderr among it, which kept `swift test` (it reads
that pipe until every holder closes it) waiting after the tests had ended.
"""
import os, threading, time


def exit_with_parent():
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
