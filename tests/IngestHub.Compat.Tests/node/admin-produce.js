'use strict';
// Admin operations and an idempotent producer: node admin-produce.js <broker> <topic> <records>
const { createKafka, run } = require('./common');

const [broker, topic, recordArg] = process.argv.slice(2);
const records = Number(recordArg || 100);

run(async () => {
  const kafka = createKafka(broker, 'compat-admin');
  const admin = kafka.admin();
  await admin.connect();
  const result = {};
  try {
    result.created = await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    result.createdAgain = await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }] });
    result.listed = (await admin.listTopics()).includes(topic);
    const before = await admin.fetchTopicMetadata({ topics: [topic] });
    result.partitionsBefore = before.topics[0].partitions.length;
    await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
    const after = await admin.fetchTopicMetadata({ topics: [topic] });
    result.partitionsAfter = after.topics[0].partitions.map((p) => ({ partition: p.partitionId, leader: p.leader, error: p.partitionErrorCode }));

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    result.acks = [];
    for (let batch = 0; batch < records / 10; batch++) {
      const messages = [];
      for (let i = batch * 10; i < (batch + 1) * 10 && i < records; i++) {
        messages.push({ key: `key-${i}`, value: `value-${i}`, headers: { source: 'kafkajs', n: String(i) } });
      }
      const meta = await producer.send({ topic, acks: -1, messages });
      for (const m of meta) {
        result.acks.push({ partition: m.partition, baseOffset: Number(m.baseOffset), errorCode: m.errorCode });
      }
    }
    await producer.disconnect();

    result.offsets = (await admin.fetchTopicOffsets(topic)).map((o) => ({
      partition: o.partition, low: Number(o.low), high: Number(o.high), offset: Number(o.offset),
    }));
    const now = Date.now();
    result.offsetsByTimestampFuture = (await admin.fetchTopicOffsetsByTimestamp(topic, now + 3600 * 1000)).map((o) => ({
      partition: o.partition, offset: Number(o.offset),
    }));
  } finally {
    await admin.disconnect();
  }
  return result;
});
