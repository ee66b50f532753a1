"""A job the engine tier enqueues: it sleeps, then says in Redis that it ran to its end (`rpush done <id>`)."""
import os
import time

import redis


def work(job_id, seconds):
    time.sleep(seconds)
    redis.Redis(host=os.environ["REDIS_HOST"], port=6379).rpush("robotoff-stand-in:done", job_id)
