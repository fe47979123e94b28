"""Dead-letter queues: find them, show what is in them, move messages back (boto3)."""
