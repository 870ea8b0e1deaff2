"""Lifespans that start child processes, and stop them at shutdown or forget to."""

import multiprocessing
import os
import subprocess
import sys
import time

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def _sleep() -> None:
    time.sleep(60)


def lifespan_app(start, stop):
    async def app(scope, receive, send):
        await receive()
        child = start()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        stop(child)
        await send({"type": "lifespan.shutdown.complete"})

    return app


def _forget(child):
    pass


def _terminate(child):
    child.terminate()
    child.wait()


def _kill_without_wait(child):
    child.kill()  # no wait(): an exited child that is not reaped is not running


def _join(worker):
    worker.terminate()
    worker.join()


def _popen():
    return subprocess.Popen(SLEEPER)  # <- popen


def _shell():
    return subprocess.Popen("sleep 60", shell=True)  # <- shell


def _worker():
    worker = multiprocessing.get_context("spawn").Process(target=_sleep, name="indexer")
    worker.start()  # <- worker
    return worker


def _forked_worker():
    worker = multiprocessing.get_context("fork").Process(target=_sleep, name="forked")
    worker.start()  # <- forked
    return worker


def _daemon():
    # The classic double fork: the daemon leaves the session and loses its parent, which
    # the app waits for (as daemonizing code does), so the daemon is up when it returns.
    first = os.fork()  # <- daemon
    if first == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(60)
        os._exit(0)
    os.waitpid(first, 0)


def _daemon_that_execs():
    first = os.fork()  # <- daemon-exec
    if first == 0:
        os.setsid()
        if os.fork() == 0:
            os.execvp("sleep", ["sleep", "62"])
        os._exit(0)
    os.waitpid(first, 0)


def _daemon_by_shell():
    ready = f"/tmp/lifespan-check-daemon-{os.getpid()}"
    command = f"setsid sh -c 'touch {ready}; exec sleep 61' >/dev/null 2>&1 &"
    subprocess.run(command, shell=True, check=True)  # <- setsid
    while not os.path.exists(ready):  # up and detached, as a daemon is once started
        time.sleep(0.01)
    os.unlink(ready)


leaves_subprocess = lifespan_app(_popen, _forget)
leaves_daemon = lifespan_app(_daemon, _forget)
leaves_daemon_that_execs = lifespan_app(_daemon_that_execs, _forget)
leaves_daemon_by_shell = lifespan_app(_daemon_by_shell, _forget)
leaves_shell = lifespan_app(_shell, _forget)
leaves_worker = lifespan_app(_worker, _forget)
leaves_forked_worker = lifespan_app(_forked_worker, _forget)
stops_subprocess = lifespan_app(_popen, _terminate)
kills_without_wait = lifespan_app(_popen, _kill_without_wait)
joins_worker = lifespan_app(_worker, _join)
