"""`--profile`: where the import, startup and shutdown time of an app goes.

Child side (runs beside the app, only when asked):

- `imports.py` reads CPython's `-X importtime` lines for the target's own import from a
  pipe of the child's own, so they never reach the app's captured stderr;
- `sampler.py` is a thread that samples the loop thread every few milliseconds and
  charges each sample, weighted by the wall time since the previous one, to the user
  code that ran, blocked, or was awaited.

Parent side (pure functions of events and reports):

- `model.py` holds the frozen values of the report's `profile` section;
- `build.py` folds the child's profile events into those values.

Nothing here is imported unless `--profile` is given.
"""
