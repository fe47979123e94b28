"""The local lab's front door: an ALB stand-in with a blue and a green target group (ADR 0020).

groups.py holds the target groups (weights, health, draining, metrics) as pure state; wire.py parses
client requests; proxy.py forwards them; checks.py runs the health checks; admin.py is the API that
registers targets and shifts weights; server.py runs it all on uvloop.
"""
