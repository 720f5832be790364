"""Produces COUNT records "<prefix>-<n>" over about SECONDS seconds with acks=all and idempotence, then prints
"ACK <value>" for every record the cluster acknowledged and "FAIL <value> <error>" for the others."""
import sys
import time

from confluent_kafka import Producer

bootstrap, topic, prefix, count, seconds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
producer = Producer({
    "bootstrap.servers": bootstrap,
    "acks": "all",
    "enable.idempotence": True,
    "linger.ms": 5,
    "message.timeout.ms": 60000,
    "topic.metadata.refresh.interval.ms": 1000,
})
acked, failed = [], []


def report(err, msg):
    if err is None:
        acked.append(msg.value().decode())
    else:
        failed.append((msg.value().decode(), str(err)))


start = time.time()
for n in range(count):
    producer.produce(topic, value=f"{prefix}-{n}".encode(), on_delivery=report)
    producer.poll(0)
    pause = start + seconds * (n + 1) / count - time.time()
    if pause > 0:
        time.sleep(pause)
remaining = producer.flush(90)
for value in acked:
    print("ACK", value)
for value, error in failed:
    print("FAIL", value, error)
print(f"acked {len(acked)} failed {len(failed)} unflushed {remaining}", file=sys.stderr)
