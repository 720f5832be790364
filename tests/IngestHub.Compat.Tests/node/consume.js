'use strict';
// Group consumer from the beginning until <expected> records arrived: node consume.js <broker> <topic> <group> <expected>
const { createKafka, run } = require('./common');

const [broker, topic, groupId, expectedArg] = process.argv.slice(2);
const expected = Number(expectedArg);

run(async () => {
  const kafka = createKafka(broker, 'compat-consumer');
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000, rebalanceTimeout: 10000 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const received = [];
  await new Promise((resolve, reject) => {
    consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          received.push({
            partition,
            offset: Number(message.offset),
            key: message.key ? message.key.toString() : null,
            value: message.value ? message.value.toString() : null,
            headers: Object.fromEntries(Object.entries(message.headers || {}).map(([k, v]) => [k, v ? v.toString() : null])),
          });
          if (received.length >= expected) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return { received };
});
