"""Produce N records of SIZE bytes with acks=all to a topic; print throughput and delivery latency percentiles."""
import sys, time
from confluent_kafka import Producer
bootstrap, topic, n, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True, "linger.ms": 5})
lat = []
payload = b"x" * size
def cb(err, msg, t0):
    if err is None: lat.append(time.perf_counter() - t0)
start = time.perf_counter()
for i in range(n):
    t0 = time.perf_counter()
    while True:
        try:
            p.produce(topic, value=payload, on_delivery=lambda e, m, t0=t0: cb(e, m, t0)); break
        except BufferError:
            p.poll(0.01)
    p.poll(0)
p.flush(120)
el = time.perf_counter() - start
lat.sort()
q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))] * 1000
print(f"{topic}: {len(lat)}/{n} acked in {el:.2f}s = {len(lat)/el:.0f} rec/s, {len(lat)*size/el/1e6:.1f} MB/s; latency p50 {q(0.5):.1f} ms p99 {q(0.99):.1f} ms")
