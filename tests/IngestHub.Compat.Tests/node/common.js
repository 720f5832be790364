'use strict';
// Shared set-up for the kafkajs scripts: a client whose logs go to stderr, so stdout carries only the JSON result.
const { Kafka, logLevel } = require('kafkajs');

function createKafka(broker, clientId) {
  return new Kafka({
    clientId,
    brokers: [broker],
    connectionTimeout: 5000,
    requestTimeout: 15000,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
    logLevel: logLevel.WARN,
    logCreator: () => ({ namespace, level, log }) => {
      const { message, ...extra } = log;
      process.stderr.write(`[kafkajs ${level}] ${namespace}: ${message} ${JSON.stringify(extra)}\n`);
    },
  });
}

// Prints the result as one JSON line and exits; any failure exits non-zero with the error on stderr.
function run(main) {
  main()
    .then((result) => {
      process.stdout.write(JSON.stringify(result) + '\n');
      process.exit(0);
    })
    .catch((err) => {
      process.stderr.write(`FAILED: ${err && err.stack ? err.stack : err}\n`);
      if (err && err.type) process.stderr.write(`kafkajs error type: ${err.type}\n`);
      process.exit(1);
    });
}

module.exports = { createKafka, run };
