import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kafkaBrokerPidIn, kafkaNodeAddresses, kafkaReplication, randomClusterId } from './kafka-broker';

describe('randomClusterId', () => {
  it('has the shape of Kafka Uuid.randomUuid(): 22 URL-safe base64 characters, never a leading dash', () => {
    const ids = Array.from({ length: 2000 }, () => randomClusterId());
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // 16 bytes: the last character carries only 2 bits, so it is one of A, Q, g, w.
    expect(new Set(ids.map((id) => id[21]))).toEqual(new Set(['A', 'Q', 'g', 'w']));
  });
});

describe('kafkaNodeAddresses', () => {
  it("puts node k on node 1's three ports moved up by 10·(k-1), none shared", () => {
    const nodes = kafkaNodeAddresses(3);
    const [first] = nodes;
    expect(nodes).toEqual(
      [0, 10, 20].map((shift, index) => ({
        id: index + 1,
        port: first.port + shift,
        controllerPort: first.controllerPort + shift,
        externalPort: first.externalPort + shift,
      })),
    );
    const ports = nodes.flatMap((node) => [node.port, node.controllerPort, node.externalPort]);
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('is the single node alone by default', () => {
    expect(kafkaNodeAddresses(1)).toHaveLength(1);
  });
});

describe('kafkaReplication', () => {
  it('replicates three times on a cluster, with two replicas in sync for a write', () => {
    expect(kafkaReplication(3)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(kafkaReplication(1)).toEqual({ replicationFactor: 1, minInsyncReplicas: 1 });
  });
});

describe('kafkaBrokerPidIn', () => {
  it('names the broker process its broker.pid records, and nothing for any other process or none', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'broker-pid-'));
    // A stand-in whose command line names the broker's main class, as the JVM's does.
    const broker = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'kafka.Kafka']);
    try {
      // libuv's spawn returns once the child has exec'd: its command line is the stand-in's.
      await once(broker, 'spawn');
      expect(kafkaBrokerPidIn(stateDir)).toBeNull();
      fs.writeFileSync(path.join(stateDir, 'broker.pid'), `${process.pid}\n`);
      expect(kafkaBrokerPidIn(stateDir)).toBeNull();
      fs.writeFileSync(path.join(stateDir, 'broker.pid'), `${broker.pid}\n`);
      expect(kafkaBrokerPidIn(stateDir)).toBe(broker.pid);
    } finally {
      broker.kill();
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
