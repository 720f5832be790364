"""Produces N records to a topic and reads them back over a secured listener with confluent-kafka (librdkafka).

Usage: secure_roundtrip.py BOOTSTRAP PROTOCOL MECHANISM USER PASSWORD CA_FILE|- TOPIC COUNT
Prints one JSON line {"produced": n, "consumed": n}; exits 3 with the error on stderr when authentication fails.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer


def main():
    bootstrap, protocol, mechanism, user, password, ca, topic, count = sys.argv[1:9]
    count = int(count)
    failures = []

    def on_error(err):
        failures.append(err)

    common = {
        'bootstrap.servers': bootstrap,
        'security.protocol': protocol,
        'sasl.mechanisms': mechanism,
        'sasl.username': user,
        'sasl.password': password,
        'error_cb': on_error,
    }
    if ca != '-':
        common['ssl.ca.location'] = ca

    def check_auth():
        for err in failures:
            if err.code() == KafkaError._AUTHENTICATION:
                sys.stderr.write('AUTHENTICATION FAILED: %s\n' % err.str())
                sys.exit(3)

    producer = Producer(dict(common, **{'message.timeout.ms': 20000, 'acks': 'all'}))
    delivered = []
    for i in range(count):
        producer.produce(topic, key=b'k%d' % i, value=b'secure-%d' % i,
                         on_delivery=lambda err, msg: delivered.append(err))
        producer.poll(0)
    deadline = time.time() + 30
    while len(delivered) < count and time.time() < deadline:
        producer.poll(0.2)
        check_auth()
    check_auth()
    errors = [e for e in delivered if e is not None]
    if len(delivered) < count or errors:
        sys.stderr.write('delivery failed: %d delivered, errors %s\n' % (len(delivered), errors[:3]))
        sys.exit(1)

    consumer = Consumer(dict(common, **{'group.id': 'secure-' + topic, 'auto.offset.reset': 'earliest',
                                        'enable.auto.commit': False}))
    consumer.subscribe([topic])
    seen = set()
    deadline = time.time() + 45
    while len(seen) < count and time.time() < deadline:
        msg = consumer.poll(0.5)
        check_auth()
        if msg is None or msg.error():
            continue
        seen.add(msg.value())
    consumer.close()
    print(json.dumps({'produced': len(delivered), 'consumed': len(seen)}))
    sys.exit(0 if len(seen) == count else 1)


main()
