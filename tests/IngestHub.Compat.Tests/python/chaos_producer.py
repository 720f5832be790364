"""Idempotent acks=all producer for the crash test: produces keys k000000, k000001, ... to one topic until SIGTERM,
printing 'ACK <key> <partition> <offset>' for each record the broker acknowledged and 'ERR <key> <error>' for each
that failed. A producer that hits a fatal error is replaced by a new one (the test checks only acknowledged keys).
Usage: chaos_producer.py BOOTSTRAP TOPIC"""
import signal
import sys
import time

from confluent_kafka import KafkaException, Producer

bootstrap, topic = sys.argv[1], sys.argv[2]
stopping = False
fatal = None


def on_term(signum, frame):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, on_term)


def on_error(err):
    global fatal
    if err.fatal():
        fatal = err


def new_producer():
    return Producer({
        "error_cb": on_error,
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "message.timeout.ms": 30000,
        "reconnect.backoff.max.ms": 500,
        "socket.connection.setup.timeout.ms": 3000,
    })


def report(err, msg):
    key = msg.key().decode()
    if err is None:
        print(f"ACK {key} {msg.partition()} {msg.offset()}", flush=True)
    else:
        print(f"ERR {key} {err}", flush=True)


producer = new_producer()
n = 0
while not stopping:
    key = f"k{n:06d}"
    try:
        producer.produce(topic, key=key, value=f"value-of-{key}", on_delivery=report)
        n += 1
    except BufferError:
        producer.poll(0.05)
        continue
    except KafkaException as e:
        print(f"ERR {key} {e}", flush=True)
    if n % 10 == 0:
        time.sleep(0.01)  # a few thousand records a second: load enough, output bounded
    producer.poll(0)
    if fatal is not None:
        print(f"FATAL {fatal}", flush=True)
        fatal = None
        producer.flush(10)
        producer = new_producer()

remaining = producer.flush(60)
print(f"DONE produced={n} unflushed={remaining}", flush=True)
