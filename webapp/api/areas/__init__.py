"""Each area of /api/v1/ is a module here with a Ninja `router`, above the apps whose services it
calls (see webapp/api/registry.py)."""
