'use strict';
// Produces N records and reads them back with kafkajs over a secured listener.
// Usage: node secure-roundtrip.js BROKER MECHANISM USER PASSWORD CA_FILE TOPIC COUNT
const fs = require('fs');
const { Kafka, logLevel } = require('kafkajs');
const { run } = require('./common');

const [broker, mechanism, username, password, caFile, topic, countText] = process.argv.slice(2);
const count = Number(countText);

run(async () => {
  const kafka = new Kafka({
    clientId: 'kafkajs-secure',
    brokers: [broker],
    ssl: { ca: [fs.readFileSync(caFile, 'utf8')] },
    sasl: { mechanism, username, password },
    connectionTimeout: 5000,
    requestTimeout: 15000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const messages = [];
  for (let i = 0; i < count; i++) messages.push({ key: `k${i}`, value: `tls-${i}` });
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `secure-${topic}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Set();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.size} of ${count} records consumed`)), 45000);
    consumer.run({
      eachMessage: async ({ message }) => {
        seen.add(message.value.toString());
        if (seen.size >= count) { clearTimeout(timer); resolve(); }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  return { produced: count, consumed: seen.size };
});
