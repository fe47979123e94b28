"""`labctl rollout --local`: the customers' side of a blue/green rollout of the local lab.

load.py sends the customers' requests through the front door; service.py starts the rollout on the
lab's supervisor (labctl/local/deploy) and follows it; result.py joins both into the --json document;
view.py draws the live view.
"""
