"""Blue/green deployments of the local lab's API, run by the supervisor (the lab's ECS).

model.py: what a rollout is asked to do and what it reports; bake.py: the rollback rules; fleet.py:
starting, promoting and retiring the API processes; controller.py: the phases of one rollout;
control.py: the supervisor's loopback API through which `labctl rollout --local` starts and watches it.
"""
