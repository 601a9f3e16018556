"""Use cases: one function per thing a person does, for every door.

Each takes the core (`Services`: ports, clock, settings) and the acting `Person`, loads what it
needs through the ports, checks role and scope (bot/scope.py, the one definition of each role's
reach), applies the pure rule (bot/lifecycle.py), commits it with its events and notices in one
guarded transaction, and returns plain data. Refusals are `Refused` with the catalog key that
tells the person why; rendering them, and everything else a person sees, is the door's job.
The Telegram handlers, the command line and the demonstration call only these.
"""
