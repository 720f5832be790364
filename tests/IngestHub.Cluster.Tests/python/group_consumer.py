"""A balanced (group) consumer that commits explicitly: reads TOPIC in group GROUP until it has seen COUNT distinct
values starting with PREFIX and has committed its final positions, pausing DELAY seconds per record and committing
every 10 records. Appends to LOG, line by line as they happen:
  "MSG <partition> <offset> <value> <time>"   a record consumed,
  "COMMIT <partition> <offset> <time>"        a commit the coordinator acknowledged,
  "COMMITFAIL <time> <error>"                 a commit that failed (retried with the next one).
Exits 0 when done, 1 when TIMEOUT seconds passed first."""
import sys
import time

from confluent_kafka import Consumer, KafkaException, TopicPartition

bootstrap, topic, group, prefix = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
count, delay, log_path, timeout = int(sys.argv[5]), float(sys.argv[6]), sys.argv[7], float(sys.argv[8])
consumer = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "enable.auto.commit": False,
    "auto.offset.reset": "earliest",
    "session.timeout.ms": 10000,
    "heartbeat.interval.ms": 1000,
    "topic.metadata.refresh.interval.ms": 1000,
})
log = open(log_path, "a", buffering=1, encoding="utf-8")
seen, positions, committed = set(), {}, {}
since_commit = 0
deadline = time.time() + timeout
done = False


def commit():
    global since_commit, committed
    wanted = dict(positions)
    try:
        result = consumer.commit(offsets=[TopicPartition(topic, p, o) for p, o in wanted.items()], asynchronous=False)
    except KafkaException as e:
        log.write(f"COMMITFAIL {time.time():.3f} {e}\n")
        return
    failed = [tp for tp in result if tp.error is not None]
    if failed:
        log.write(f"COMMITFAIL {time.time():.3f} {failed[0].error}\n")
        return
    for tp in result:
        log.write(f"COMMIT {tp.partition} {tp.offset} {time.time():.3f}\n")
        committed[tp.partition] = tp.offset
    since_commit = 0


consumer.subscribe([topic])
try:
    while time.time() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and msg.error() is None:
            value = msg.value().decode()
            log.write(f"MSG {msg.partition()} {msg.offset()} {value} {time.time():.3f}\n")
            if value.startswith(prefix):
                seen.add(value)
            positions[msg.partition()] = msg.offset() + 1
            since_commit += 1
            if delay > 0:
                time.sleep(delay)
        elif msg is not None:
            log.write(f"ERR {msg.error()}\n")
        if positions and (since_commit >= 10 or (len(seen) >= count and committed != positions)):
            commit()
        if len(seen) >= count and committed == positions:
            done = True
            break
finally:
    consumer.close()
    log.close()
print(f"seen {len(seen)} of {count}, committed {committed}, done {done}")
sys.exit(0 if done else 1)
