import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { HubServiceConfig, loadConfig } from '@hub/platform';
import { dataSourceOptions } from '../data-source';
import { AuditChain } from './audit-chain';

/**
 * `npm run audit:verify`: walks the audit trail's hash chain in DATABASE_URL (reading only) and
 * reports the first broken link, or ok with the count; exits 1 when the chain is broken.
 */
async function main(): Promise<void> {
  const config = loadConfig(HubServiceConfig);
  const dataSource = new DataSource(
    dataSourceOptions({ url: config.DATABASE_URL, poolSize: 1, applicationName: 'cosmo-hub-audit-verify' }),
  );
  await dataSource.initialize();
  try {
    let reported = 0;
    const started = Date.now();
    const result = await new AuditChain(dataSource).verify((verified) => {
      if (verified - reported >= 100_000) {
        reported = verified;
        process.stderr.write(
          `… ${verified} links verified (${((Date.now() - started) / 1000).toFixed(0)} s)\n`,
        );
      }
    });
    if (result.ok) {
      process.stdout.write(
        `ok: ${result.verified} entries chained and verified, head ${result.headHash}; ${result.pending} not chained yet\n`,
      );
      return;
    }
    const broken = result.broken!;
    process.stdout.write(
      `BROKEN at position ${broken.position} (entry ${broken.entryId ?? 'none'}): ${broken.reason}\n` +
        `  expected ${broken.expected}\n  found    ${broken.found}\n` +
        `  ${result.verified} links before it hold\n`,
    );
    process.exitCode = 1;
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `audit verification failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(2);
});
