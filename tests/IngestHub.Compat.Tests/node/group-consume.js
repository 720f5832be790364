'use strict';
// Two consumers in one group read a topic from the beginning until <expected> records arrived between them, commit,
// leave, and report what each received, each one's last assignment, the group's committed offsets and the topic's
// end offsets: node group-consume.js <broker> <topic> <group> <expected>
const { createKafka, run } = require('./common');

const [broker, topic, groupId, expectedArg] = process.argv.slice(2);
const expected = Number(expectedArg);

// Per partition: how many records, how many distinct offsets, the lowest and highest, and which members read them
// (the whole list would not fit through a pipe before the script exits).
function summarize(received) {
  const byPartition = new Map();
  for (const { member, partition, offset } of received) {
    let s = byPartition.get(partition);
    if (!s) byPartition.set(partition, (s = { partition, count: 0, offsets: new Set(), min: offset, max: offset, members: new Set() }));
    s.count++;
    s.offsets.add(offset);
    s.min = Math.min(s.min, offset);
    s.max = Math.max(s.max, offset);
    s.members.add(member);
  }
  return [...byPartition.values()].map((s) => ({
    partition: s.partition, count: s.count, distinct: s.offsets.size, min: s.min, max: s.max, members: [...s.members].sort(),
  }));
}

run(async () => {
  const kafka = createKafka(broker, 'compat-group');
  const received = [];
  const assignments = {};
  const seen = new Set();
  let finish;
  let fail;
  const done = new Promise((resolve, reject) => { finish = resolve; fail = reject; });

  const consumers = ['member-a', 'member-b'].map((name) => {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000, rebalanceTimeout: 10000 });
    consumer.on(consumer.events.CRASH, (e) => fail(e.payload.error));
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      assignments[name] = (e.payload.memberAssignment[topic] || []).slice().sort((x, y) => x - y);
    });
    return { name, consumer };
  });

  for (const { consumer } of consumers) {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
  }
  // Both start together so they share the first generation.
  await Promise.all(consumers.map(({ name, consumer }) => consumer.run({
    eachMessage: async ({ partition, message }) => {
      received.push({ member: name, partition, offset: Number(message.offset) });
      seen.add(`${partition}:${message.offset}`);
      if (seen.size >= expected) finish();
    },
  })));
  const timer = setTimeout(() => fail(new Error(`only ${seen.size} of ${expected} records within 45 s`)), 45000);
  await done;
  clearTimeout(timer);
  // Each consumer commits what it processed after every batch; stopping lets the last batch and its commit finish.
  await Promise.all(consumers.map(({ consumer }) => consumer.disconnect()));

  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, high: Number(o.high) }));
    const fetched = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = fetched[0].partitions.map((p) => ({ partition: p.partition, offset: Number(p.offset) }));
    return { received: summarize(received), assignments, committed, ends };
  } finally {
    await admin.disconnect();
  }
});
