"""The local lab's SQS: a small SQS-compatible service (JSON protocol) that stays cheap as queues grow.

model.py holds the queues (a heap by "next receivable at", so send, receive and delete cost O(log n));
actions.py maps SQS actions onto it; server.py serves them over HTTP with long polling. Why not moto:
docs/adr/0015-local-queue-service.md.
"""
