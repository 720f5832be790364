'use strict';
// Admin calls beyond topic creation: node admin-ops.js <broker> <topic> <group>
// describeCluster, alterConfigs + describeConfigs, deleteTopicRecords, setOffsets/fetchOffsets and deleteGroups.
const { ConfigResourceTypes } = require('kafkajs');
const { createKafka, run } = require('./common');

const [broker, topic, groupId] = process.argv.slice(2);

run(async () => {
  const kafka = createKafka(broker, 'compat-admin-ops');
  const admin = kafka.admin();
  await admin.connect();
  const result = {};
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    const messages = [];
    for (let i = 0; i < 20; i++) messages.push({ key: `k${i}`, value: `v${i}` });
    await producer.send({ topic, acks: -1, messages });
    await producer.disconnect();

    const cluster = await admin.describeCluster();
    result.cluster = { clusterId: cluster.clusterId, controller: cluster.controller, brokers: cluster.brokers.map((b) => b.nodeId) };

    await admin.alterConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '3600000' }, { name: 'cleanup.policy', value: 'compact,delete' }] }],
    });
    const described = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'cleanup.policy', 'segment.bytes'] }],
      includeSynonyms: false,
    });
    result.configs = Object.fromEntries(described.resources[0].configEntries.map((e) => [e.configName, { value: e.configValue, isDefault: e.isDefault }]));
    try {
      await admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'no.such.config', value: '1' }] }] });
      result.unknownConfigError = null;
    } catch (e) {
      result.unknownConfigError = e.type || e.name;
    }

    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '8' }] });
    result.offsetsAfterDelete = (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }));

    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '15' }] });
    result.committed = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions.map((p) => Number(p.offset));
    result.groupsBefore = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g === groupId);
    result.deleted = (await admin.deleteGroups([groupId])).map((r) => ({ groupId: r.groupId, errorCode: r.errorCode }));
    result.committedAfter = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions.map((p) => Number(p.offset));
    try {
      await admin.deleteGroups([groupId]);
      result.deleteAgainError = null;
    } catch (e) {
      result.deleteAgainError = e.groups ? e.groups.map((g) => g.error && g.error.type) : [e.type || e.name];
    }
  } finally {
    await admin.disconnect();
  }
  return result;
});
