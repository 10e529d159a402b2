# The zygote's warm-up function: it exercises what a typical handler does
# (printing, dicts, datetime, randomness) so the zygote imports that once.
import datetime
import random
import uuid


def handler(input_data):
    print("warm-up", input_data)
    return {"input": input_data, "at": datetime.datetime.now().isoformat(), "r": random.random(), "id": str(uuid.uuid4())}
