/**
 * The authorization matrix (OWASP API1 object level, API3 property level, API5 function level).
 * An owner (a member) has records under every handling, pull and webhook subscriptions, feed
 * pages and deliveries; every other kind of caller (a member of the same region and one of
 * another, the RILO of the region and another RILO, a partner agency, the secretariat, the
 * operator's token, a revoked key, no key, a malformed key, an unknown key, and the owner's own
 * read-only key, which reads as the owner does and is refused every write) tries every
 * operation of the OpenAPI document on each of them. What each attempt must get is stated by
 * test/support/reference-rules.ts, independently of the hub's code. A leak is anything returned
 * or changed that the rules forbid: a 2xx for a refused attempt, a 403 (or a 404 that differs
 * from a nonexistent resource's) where the rules hide existence, a list or feed with a record
 * the caller may not read, a secret, key digest, ciphertext or another organization's private
 * field in any answer, or a refused attempt that changed any table.
 *
 * Every operation of the document needs a row below: a new endpoint fails the test until it has
 * one. An operation on no particular resource, open to some organizations only, is one
 * functionLevel(...) line, as GET /v1/audit (the secretariat's) is.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { operationCode, sampleAlert, sampleOperation, sampleSeizure } from './support/fixtures';
import {
  ADMIN_TOKEN,
  api,
  type ApiResponse,
  expectEventually,
  type HubStateFingerprint,
  hubStateFingerprint,
  registerOrganization,
  type RunningService,
  SECRET_KEY,
  startGateway,
  startRelay,
  startRouter,
  type TestOrganization,
} from './support/hub-harness';
import { fetchOpenApiDocument, operationsOf } from './support/openapi-document';
import {
  referenceChangeRefusal,
  referenceMayAdminister,
  referenceMayChange,
  referenceMayRead,
  referenceMaySubmit,
  referenceMayUseSubscription,
  type ReferenceOrganization,
  type ReferenceRecordState,
} from './support/reference-rules';

const HANDLINGS = ['community', 'members', 'region', 'restricted', 'operation'] as const;
const TYPES = ['alert', 'seizure'] as const;
const CONCURRENCY = 8;

interface Caller {
  name: string;
  /** Sent as `Authorization: Bearer <token>`; no header when undefined. */
  token?: string;
  /** The organization behind a valid key. */
  organization?: ReferenceOrganization & { id: string };
  operator: boolean;
  /** A read-only key (`scope: read`) of its organization. */
  readOnly?: boolean;
}

interface OwnedRecord {
  type: (typeof TYPES)[number];
  id: string;
  state: ReferenceRecordState;
  /** Unique text of the record: no answer to a caller that may not read it contains it. */
  marks: string[];
}

interface Attempt {
  operation: string;
  caller: Caller;
  target: string;
  method: string;
  path: string;
  body?: unknown;
  /** The status the rules give. */
  expected: number;
  /** Leaks a 2xx answer shows (a record the caller may not read in a list, say). */
  check?: (body: unknown) => string[];
  /** The audit trail names every resource by id, whoever may read it; their contents stay private. */
  showsIds?: boolean;
  /**
   * Refused attempts and reads run first, in batches whose state is compared before and after;
   * the writes the rules allow run afterwards, in order, destructive ones last.
   */
  order: 'refused-or-read' | 'allowed-write' | 'allowed-destruction';
}

interface Finding {
  attempt: Attempt;
  status: number;
  what: string;
}

describe('authorization matrix: every endpoint, every caller, every resource', () => {
  let gateway: RunningService;
  let relay: RunningService;
  let router: RunningService;
  let db: Client;
  const callers: Caller[] = [];
  let owner: Caller;
  let ownerOrganization: TestOrganization;
  const records: OwnedRecord[] = [];
  const subscriptions = { pull: '', webhook: '', pullName: '', webhookName: '', webhookUrl: '' };
  const ownPullFeeds = new Map<string, string>();
  let deliveryId = '';
  let ownerFeedCursor = '';
  /** What each operator caller destroys (another operator finds it gone): a key, a stream credential, an operator. */
  const spares = new Map<string, { keyId: string; streamUsername: string; operatorId: string }>();
  /** The spares of a caller that may not destroy them: any operator's do. */
  const sparesOf = (caller: Caller) => spares.get(caller.name) ?? [...spares.values()][0];
  /** An organization of its own for the suspension routes, so that the owner is never cut off. */
  let suspendable = '';
  /**
   * Operations (issue 15): the owner coordinates the matrix's operation, the member of another
   * region observes it, the partner agency takes part; the owner's 'operation' records are theirs.
   */
  let operation = '';
  const operationRoles = new Map<string, 'coordinator' | 'participant' | 'observer'>();
  let since = '';
  /** Values no answer may ever contain. */
  const secrets = new Set<string>();
  const attempts: Attempt[] = [];
  const findings: Finding[] = [];
  /** Attempts that leaked (one may leak several ways). */
  const leaking = new Set<Attempt>();

  const organizationCaller = (
    name: string,
    organization: TestOrganization,
    profile: Omit<ReferenceOrganization, 'code'>,
  ): Caller => ({
    name,
    token: organization.apiKey,
    organization: { ...profile, code: organization.code, id: organization.id },
    operator: false,
  });

  beforeAll(async () => {
    gateway = await startGateway();
    relay = await startRelay();
    router = await startRouter();
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    since = new Date(Date.now() - 1000).toISOString();

    ownerOrganization = await registerOrganization(gateway.url, { kind: 'member', country: 'FR' });
    owner = organizationCaller('owner (member, europe)', ownerOrganization, {
      kind: 'member',
      country: 'FR',
    });
    const register = async (name: string, profile: Omit<ReferenceOrganization, 'code'>): Promise<Caller> =>
      organizationCaller(name, await registerOrganization(gateway.url, profile), profile);
    const recipient = await register('member of another region, a restricted recipient', {
      kind: 'member',
      country: 'NG',
    });
    callers.push(
      owner,
      await register('member of the same region', { kind: 'member', country: 'DE' }),
      recipient,
      await register('RILO of the region', { kind: 'rilo', region: 'europe' }),
      await register('RILO of another region', { kind: 'rilo', region: 'asia-pacific' }),
      await register('partner agency', { kind: 'partner' }),
      await register('secretariat', { kind: 'secretariat' }),
      { name: 'operator token', token: ADMIN_TOKEN, operator: true },
    );
    // A named operator (its personal token), and one whose token was revoked.
    const issueOperator = async (): Promise<{ id: string; token: string }> => {
      const issued = await api<{ id: string; token: string }>(gateway.url, 'POST', '/v1/admin/operators', {
        key: ADMIN_TOKEN,
        body: { name: `matrix-${randomUUID().slice(0, 8)}` },
      });
      expect(issued.status).toBe(201);
      return issued.body;
    };
    const named = await issueOperator();
    const retired = await issueOperator();
    expect(
      (await api(gateway.url, 'DELETE', `/v1/admin/operators/${retired.id}`, { key: ADMIN_TOKEN })).status,
    ).toBe(204);
    callers.push(
      { name: 'named operator', token: named.token, operator: true },
      { name: 'revoked operator', token: retired.token, operator: false },
      {
        name: 'unknown well-formed operator token',
        token: `chop_${randomBytes(32).toString('base64url')}`,
        operator: false,
      },
    );
    const revoked = await registerOrganization(gateway.url, { kind: 'member', country: 'KR' });
    const keys = await api<{ id: string }[]>(
      gateway.url,
      'GET',
      `/v1/admin/organizations/${revoked.code}/api-keys`,
      {
        key: ADMIN_TOKEN,
      },
    );
    const revocation = await api(
      gateway.url,
      'DELETE',
      `/v1/admin/organizations/${revoked.code}/api-keys/${keys.body[0].id}`,
      {
        key: ADMIN_TOKEN,
      },
    );
    expect(revocation.status).toBe(204);
    callers.push(
      { name: 'revoked key', token: revoked.apiKey, operator: false },
      { name: 'no key', operator: false },
      { name: 'malformed key', token: 'chub_not a key; DROP TABLE api_keys', operator: false },
      {
        name: 'unknown well-formed key',
        token: `chub_${randomBytes(32).toString('base64url')}`,
        operator: false,
      },
    );
    const readOnlyKey = await api<{ secret: string; scope: string }>(
      gateway.url,
      'POST',
      `/v1/admin/organizations/${ownerOrganization.code}/api-keys`,
      { key: ADMIN_TOKEN, body: { scope: 'read' } },
    );
    expect(readOnlyKey.body.scope).toBe('read');
    callers.push({ ...owner, name: "owner's read-only key", token: readOnlyKey.body.secret, readOnly: true });
    const secretariat = callers.find((caller) => caller.organization?.kind === 'secretariat')!;
    const partner = callers.find((caller) => caller.organization?.kind === 'partner')!;
    operationRoles.set(owner.organization!.code, 'coordinator');
    operationRoles.set(recipient.organization!.code, 'observer');
    operationRoles.set(partner.organization!.code, 'participant');
    const opened = await api<{ code: string }>(gateway.url, 'POST', '/v1/operations', {
      key: secretariat.token,
      body: sampleOperation(Object.fromEntries(operationRoles)),
    });
    expect(opened.status).toBe(201);
    operation = opened.body.code;
    // The relay's clock announces the operation's opening and its first phase (both due at once):
    // let it, before any refused attempt is compared with the state before it.
    const announced = async (): Promise<number> =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM operation_milestones m JOIN operations o ON o.id = m.operation_id
            WHERE o.code = $1`,
          [operation],
        )
      ).rows[0].n;
    for (const deadline = Date.now() + 60_000; (await announced()) < 2;) {
      if (Date.now() > deadline)
        throw new Error(`the relay never announced ${operation}'s opening and first phase`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // The read-only key shares the owner's organization object.
    for (const caller of [owner, recipient, partner]) caller.organization!.operations = [operation];
    for (const caller of callers) if (caller.token) secrets.add(caller.token);
    secrets.add(ADMIN_TOKEN).add(SECRET_KEY);

    // The owner's subscriptions, and one pull feed per organization, exist before the records.
    subscriptions.pullName = `Owner pull ${randomUUID()}`;
    subscriptions.webhookName = `Owner webhook ${randomUUID()}`;
    subscriptions.webhookUrl = `http://127.0.0.1:9/owner-${randomUUID()}`;
    subscriptions.pull = await subscribe(owner, subscriptions.pullName, { type: 'pull' });
    subscriptions.webhook = await subscribe(owner, subscriptions.webhookName, {
      type: 'webhook',
      url: subscriptions.webhookUrl,
    });
    for (const caller of callers.filter(
      (candidate) => candidate.organization && candidate !== owner && !candidate.readOnly,
    )) {
      ownPullFeeds.set(caller.name, await subscribe(caller, `Own feed of ${caller.name}`, { type: 'pull' }));
    }

    for (const type of TYPES) {
      for (const handling of HANDLINGS) {
        const title = `Matrix ${type} ${handling} ${randomUUID()}`;
        const recipients = handling === 'restricted' ? [recipient.organization!.code] : [];
        // A European route only (France to Germany): the record concerns exactly the europe region.
        const common = {
          route: { origin: 'FR', transit: [], destination: 'DE' },
          entities: [],
          handling,
          recipients,
          ...(handling === 'operation' ? { operation } : {}),
        };
        const body =
          type === 'alert'
            ? sampleAlert({ ...common, title })
            : sampleSeizure({ ...common, country: 'FR', customsOffice: title });
        const created = await api<{ id: string }>(
          gateway.url,
          'POST',
          type === 'alert' ? '/v1/alerts' : '/v1/seizures',
          {
            key: owner.token,
            body,
          },
        );
        expect(created.status).toBe(201);
        records.push({
          type,
          id: created.body.id,
          marks: [title, String(body.reference)],
          state: {
            type,
            originator: owner.organization!,
            handling,
            recipients,
            hsCodes: [],
            categories: [],
            // The route, and for a seizure the country it happened in.
            namedCountries: ['FR', 'DE'],
            ...(handling === 'operation' ? { operation } : {}),
          },
        });
      }
    }

    // Routed: every feed holds what its owner may read, and the webhook has its deliveries.
    await expectEventually(
      async () => {
        const page = await api<{ events: { subject: string }[]; nextCursor: string }>(
          gateway.url,
          'GET',
          `/v1/subscriptions/${subscriptions.pull}/events?limit=500`,
          { key: owner.token },
        );
        expect(page.body.events.length).toBe(records.length);
        ownerFeedCursor = page.body.nextCursor;
        const deliveries = await api<{ deliveries: { id: string }[] }>(
          gateway.url,
          'GET',
          `/v1/subscriptions/${subscriptions.webhook}/deliveries`,
          { key: owner.token },
        );
        expect(deliveries.body.deliveries.length).toBe(records.length);
        deliveryId = deliveries.body.deliveries[0].id;
        for (const caller of callers.filter((candidate) => ownPullFeeds.has(candidate.name))) {
          const readable = records.filter((record) => referenceMayRead(caller.organization!, record.state));
          const feed = await api<{ events: unknown[] }>(
            gateway.url,
            'GET',
            `/v1/subscriptions/${ownPullFeeds.get(caller.name)}/events?limit=500`,
            {
              key: caller.token,
            },
          );
          expect({ caller: caller.name, events: feed.body.events.length }).toEqual({
            caller: caller.name,
            events: readable.length,
          });
        }
      },
      60_000,
      250,
    );
    for (const operator of callers.filter((caller) => caller.operator)) {
      const spare = await api<{ id: string; secret: string }>(
        gateway.url,
        'POST',
        `/v1/admin/organizations/${owner.organization!.code}/api-keys`,
        { key: ADMIN_TOKEN },
      );
      secrets.add(spare.body.secret);
      const spareStream = await api<{ username: string; password: string }>(
        gateway.url,
        'POST',
        `/v1/admin/organizations/${owner.organization!.code}/stream-credentials`,
        { key: ADMIN_TOKEN },
      );
      expect(spareStream.status).toBe(201);
      secrets.add(spareStream.body.password);
      const spareOperator = await api<{ id: string; token: string }>(
        gateway.url,
        'POST',
        '/v1/admin/operators',
        {
          key: ADMIN_TOKEN,
          body: { name: `spare-${randomUUID().slice(0, 8)}` },
        },
      );
      expect(spareOperator.status).toBe(201);
      secrets.add(spareOperator.body.token);
      spares.set(operator.name, {
        keyId: spare.body.id,
        streamUsername: spareStream.body.username,
        operatorId: spareOperator.body.id,
      });
    }
    suspendable = (await registerOrganization(gateway.url, { kind: 'partner' })).code;
    await learnStoredSecrets();
  }, 180_000);

  afterAll(async () => {
    await db?.end();
    await router?.close();
    await relay?.close();
    await gateway?.close();
  });

  async function subscribe(caller: Caller, name: string, delivery: Record<string, unknown>): Promise<string> {
    const created = await api<{ subscription: { id: string }; secret?: string }>(
      gateway.url,
      'POST',
      '/v1/subscriptions',
      {
        key: caller.token,
        body: { name, filter: {}, delivery },
      },
    );
    expect(created.status).toBe(201);
    if (created.body.secret) secrets.add(created.body.secret);
    return created.body.subscription.id;
  }

  /** API key digests and sealed webhook secrets, as stored: no answer may contain them. */
  async function learnStoredSecrets(): Promise<void> {
    for (const row of (await db.query<{ key_hash: string }>('SELECT key_hash FROM api_keys')).rows)
      secrets.add(row.key_hash);
    const sealed = await db.query<{ secret_ciphertext: string | null }>(
      'SELECT secret_ciphertext FROM subscriptions',
    );
    for (const row of sealed.rows) if (row.secret_ciphertext) secrets.add(row.secret_ciphertext);
  }

  // -------------------------------------------------------------------------------------------
  // The rows: one per operation, each giving every caller's attempts on every resource.

  const organizationsOf = (): Caller[] => callers.filter((caller) => caller.organization);
  /** Organization routes: a request without a valid organization key is refused with 401. */
  const unauthenticated = (caller: Caller): boolean => !referenceMaySubmit(caller.organization);

  function perRecord(
    type: OwnedRecord['type'],
    operation: string,
    method: string,
    suffix: string,
    decide: (caller: ReferenceOrganization, record: OwnedRecord) => number,
    body?: (caller: Caller) => unknown,
  ): Attempt[] {
    return records
      .filter((record) => record.type === type)
      .flatMap((record) =>
        callers.map((caller): Attempt => {
          const expected = unauthenticated(caller) ? 401 : decide(caller.organization!, record);
          const allowed = expected < 300 && method !== 'GET';
          return {
            operation,
            caller,
            target: `${record.state.handling} ${type}`,
            method,
            path: `/v1/${type === 'alert' ? 'alerts' : 'seizures'}/${record.id}${suffix}`,
            body: body?.(caller),
            expected,
            check:
              method === 'GET'
                ? (answer) => ((answer as { id?: string }).id === record.id ? [] : ['another record'])
                : undefined,
            order: allowed
              ? suffix === '/withdraw'
                ? 'allowed-destruction'
                : 'allowed-write'
              : 'refused-or-read',
          };
        }),
      );
  }

  function list(type: OwnedRecord['type'], operation: string): Attempt[] {
    const plural = type === 'alert' ? 'alerts' : 'seizures';
    return callers.map((caller) => ({
      operation,
      caller,
      target: `listing of ${plural}`,
      method: 'GET',
      path: `/v1/${plural}?limit=200&since=${encodeURIComponent(since)}`,
      expected: unauthenticated(caller) ? 401 : 200,
      check: (answer) => {
        const listed = new Set((answer as { items: { id: string }[] }).items.map((item) => item.id));
        return records
          .filter((record) => record.type === type)
          .flatMap((record) => {
            const may = referenceMayRead(caller.organization!, record.state);
            if (listed.has(record.id) && !may) return [`lists the ${record.state.handling} ${type}`];
            if (!listed.has(record.id) && may)
              return [`MISSING: does not list the ${record.state.handling} ${type} it may read`];
            return [];
          });
      },
      order: 'refused-or-read',
    }));
  }

  function submit(type: OwnedRecord['type'], operation: string): Attempt[] {
    const plural = type === 'alert' ? 'alerts' : 'seizures';
    const base = (): Record<string, unknown> =>
      type === 'alert' ? sampleAlert({ title: `Own ${randomUUID()}` }) : sampleSeizure();
    return callers.flatMap((caller): Attempt[] => [
      // Property level: nobody submits in another's name or sets the hub's fields.
      {
        operation,
        caller,
        target: `a ${type} claiming the owner as originator`,
        method: 'POST',
        path: `/v1/${plural}`,
        body: { ...base(), originator: owner.organization!.code, id: records[0].id, version: 7 },
        expected: unauthenticated(caller) ? 401 : 400,
        order: 'refused-or-read',
      },
      {
        operation,
        caller,
        target: `its own ${type}`,
        method: 'POST',
        path: `/v1/${plural}`,
        body: base(),
        expected: unauthenticated(caller) ? 401 : 201,
        check: (answer) =>
          (answer as { originator?: string }).originator === caller.organization?.code
            ? []
            : ['stored under another originator'],
        order: unauthenticated(caller) ? 'refused-or-read' : 'allowed-write',
      },
    ]);
  }

  /** An operation on the owner's subscription `id`: the owner's alone; to others it does not exist. */
  function perSubscription(
    operation: string,
    method: string,
    which: 'pull' | 'webhook',
    suffix: string,
    success: number,
    options: {
      body?: unknown;
      order?: Attempt['order'];
      check?: (caller: Caller) => (body: unknown) => string[];
    } = {},
  ): Attempt[] {
    return callers.map((caller): Attempt => {
      const expected = unauthenticated(caller)
        ? 401
        : referenceMayUseSubscription(caller.organization!, owner.organization!.code)
          ? success
          : 404;
      return {
        operation,
        caller,
        target: `the owner's ${which} subscription`,
        method,
        path: `/v1/subscriptions/${subscriptions[which]}${suffix}`,
        body: options.body,
        expected,
        check: options.check?.(caller),
        order: expected < 300 && method !== 'GET' ? (options.order ?? 'allowed-write') : 'refused-or-read',
      };
    });
  }

  /** An operation of the admin API: the operator's token only. */
  function admin(
    operation: string,
    method: string,
    path: (caller: Caller) => string,
    success: number,
    options: { body?: () => unknown; order?: Attempt['order'] } = {},
  ): Attempt[] {
    return callers.map((caller): Attempt => {
      const expected = referenceMayAdminister(caller) ? success : 401;
      return {
        operation,
        caller,
        target: 'the admin API',
        method,
        path: path(caller),
        body: options.body?.(),
        expected,
        order: expected < 300 && method !== 'GET' ? (options.order ?? 'allowed-write') : 'refused-or-read',
      };
    });
  }

  /** An operation open to some organizations only, on no particular resource (function level). */
  function functionLevel(
    operation: string,
    method: string,
    path: () => string,
    allowed: (caller: Caller) => boolean,
    success: number,
    options: { refusal?: number; check?: (caller: Caller) => (body: unknown) => string[] } = {},
  ): Attempt[] {
    return callers.map((caller): Attempt => {
      const expected = unauthenticated(caller) ? 401 : allowed(caller) ? success : (options.refusal ?? 403);
      return {
        operation,
        caller,
        target: 'the operation',
        method,
        path: path(),
        expected,
        check: options.check?.(caller),
        order: expected < 300 && method !== 'GET' ? 'allowed-write' : 'refused-or-read',
      };
    });
  }

  const notOwnersSubscription = (caller: Caller) => (answer: unknown) =>
    (answer as { id: string }[]).some(
      (subscription) => subscription.id === subscriptions.pull || subscription.id === subscriptions.webhook,
    ) && caller.organization?.code !== owner.organization!.code
      ? ["lists the owner's subscriptions"]
      : [];

  /** Events of a feed a caller reads must all be records it may read. */
  const readableEvents = (caller: Caller) => (answer: unknown) =>
    (answer as { events: { subject: string }[] }).events.flatMap((event) => {
      const record = records.find((candidate) => candidate.id === event.subject);
      return record && !referenceMayRead(caller.organization!, record.state)
        ? [`feed carries the ${record.state.handling} ${record.type}`]
        : [];
    });

  /**
   * A read-only key may do what its organization may with GET, and nothing else: every other
   * method of an organization route is refused 403 (before the resource is looked at, so it tells
   * nothing), and changes nothing. The admin routes refuse it as any organization key (401).
   */
  function withScope(attempt: Attempt): Attempt {
    if (!attempt.caller.readOnly || attempt.method === 'GET' || attempt.expected === 401) return attempt;
    return { ...attempt, expected: 403, check: undefined, order: 'refused-or-read' };
  }

  /** Operation routes: the secretariat sees every operation, participants theirs; others get 404. */
  const roleIn = (caller: Caller): string | undefined =>
    caller.organization ? operationRoles.get(caller.organization.code) : undefined;
  const seesOperation = (caller: Caller): boolean =>
    caller.organization?.kind === 'secretariat' || roleIn(caller) !== undefined;
  function perOperation(
    name: string,
    method: string,
    suffix: string,
    decide: (caller: Caller) => number,
    options: { body?: () => unknown; order?: Attempt['order'] } = {},
  ): Attempt[] {
    return callers.map((caller): Attempt => {
      const expected = unauthenticated(caller) ? 401 : seesOperation(caller) ? decide(caller) : 404;
      return {
        operation: name,
        caller,
        target: "the owner's operation",
        method,
        path: `/v1/operations/${operation}${suffix}`,
        body: options.body?.(),
        expected,
        order: expected < 300 && method !== 'GET' ? (options.order ?? 'allowed-write') : 'refused-or-read',
      };
    });
  }

  const ROWS: Record<string, () => Attempt[]> = {
    createOperation: () =>
      callers.map((caller): Attempt => {
        const expected = unauthenticated(caller)
          ? 401
          : caller.organization?.kind === 'secretariat'
            ? 201
            : 403;
        return {
          operation: 'createOperation',
          caller,
          target: 'a new operation',
          method: 'POST',
          path: '/v1/operations',
          body: sampleOperation({ [owner.organization!.code]: 'participant' }, { code: operationCode() }),
          expected,
          order: expected < 300 ? 'allowed-write' : 'refused-or-read',
        };
      }),
    listOperations: () =>
      functionLevel(
        'listOperations',
        'GET',
        () => '/v1/operations',
        () => true,
        200,
        {
          check: (caller) => (answer) =>
            !seesOperation(caller) && (answer as { code: string }[]).some((item) => item.code === operation)
              ? ['lists an operation it takes no part in']
              : [],
        },
      ),
    getOperation: () => perOperation('getOperation', 'GET', '', () => 200),
    // The report counts only what the caller may read (test/operation-report.e2e-spec.ts); here, who gets one.
    getOperationReport: () => perOperation('getOperationReport', 'GET', '/report', () => 200),
    updateOperation: () =>
      perOperation(
        'updateOperation',
        'PATCH',
        '',
        (caller) => (caller.organization?.kind === 'secretariat' ? 200 : 403),
        { body: () => ({ name: `Renamed ${randomUUID()}` }) },
      ),
    closeOperation: () =>
      perOperation(
        'closeOperation',
        'POST',
        '/close',
        (caller) => (caller.organization?.kind === 'secretariat' ? 200 : 403),
        {
          order: 'allowed-destruction',
        },
      ),
    listOrganizations: () => admin('listOrganizations', 'GET', () => '/v1/admin/organizations', 200),
    createOrganization: () =>
      admin('createOrganization', 'POST', () => '/v1/admin/organizations', 201, {
        body: () => ({ code: `matrix-${randomUUID().slice(0, 8)}`, name: 'Matrix partner', kind: 'partner' }),
      }),
    listApiKeys: () =>
      admin('listApiKeys', 'GET', () => `/v1/admin/organizations/${owner.organization!.code}/api-keys`, 200),
    issueApiKey: () =>
      admin('issueApiKey', 'POST', () => `/v1/admin/organizations/${owner.organization!.code}/api-keys`, 201),
    revokeApiKey: () =>
      admin(
        'revokeApiKey',
        'DELETE',
        (caller) => `/v1/admin/organizations/${owner.organization!.code}/api-keys/${sparesOf(caller).keyId}`,
        204,
        {
          order: 'allowed-destruction',
        },
      ),
    issueStreamCredential: () =>
      admin(
        'issueStreamCredential',
        'POST',
        () => `/v1/admin/organizations/${owner.organization!.code}/stream-credentials`,
        201,
      ),
    listStreamCredentials: () =>
      admin(
        'listStreamCredentials',
        'GET',
        () => `/v1/admin/organizations/${owner.organization!.code}/stream-credentials`,
        200,
      ),
    revokeStreamCredential: () =>
      admin(
        'revokeStreamCredential',
        'DELETE',
        (caller) =>
          `/v1/admin/organizations/${owner.organization!.code}/stream-credentials/${sparesOf(caller).streamUsername}`,
        204,
        { order: 'allowed-destruction' },
      ),
    suspendOrganization: () =>
      admin('suspendOrganization', 'POST', () => `/v1/admin/organizations/${suspendable}/suspend`, 200, {
        body: () => ({ reason: 'Authorization matrix' }),
      }),
    reinstateOrganization: () =>
      admin('reinstateOrganization', 'POST', () => `/v1/admin/organizations/${suspendable}/reinstate`, 200),
    issueOperator: () =>
      admin('issueOperator', 'POST', () => '/v1/admin/operators', 201, {
        body: () => ({ name: `matrix-${randomUUID().slice(0, 8)}` }),
      }),
    listOperators: () => admin('listOperators', 'GET', () => '/v1/admin/operators', 200),
    revokeOperator: () =>
      admin(
        'revokeOperator',
        'DELETE',
        (caller) => `/v1/admin/operators/${sparesOf(caller).operatorId}`,
        204,
        {
          order: 'allowed-destruction',
        },
      ),
    listAlerts: () => list('alert', 'listAlerts'),
    listSeizures: () => list('seizure', 'listSeizures'),
    submitAlert: () => submit('alert', 'submitAlert'),
    submitSeizure: () => submit('seizure', 'submitSeizure'),
    getAlert: () =>
      perRecord('alert', 'getAlert', 'GET', '', (caller, record) =>
        referenceMayRead(caller, record.state) ? 200 : 404,
      ),
    getSeizure: () =>
      perRecord('seizure', 'getSeizure', 'GET', '', (caller, record) =>
        referenceMayRead(caller, record.state) ? 200 : 404,
      ),
    reviseAlert: () =>
      perRecord(
        'alert',
        'reviseAlert',
        'PATCH',
        '',
        (caller, record) =>
          referenceMayChange(caller, record.state) ? 200 : referenceChangeRefusal(caller, record.state),
        (caller) => ({ summary: `Revised by ${caller.name}` }),
      ),
    reviseSeizure: () =>
      perRecord(
        'seizure',
        'reviseSeizure',
        'PATCH',
        '',
        (caller, record) =>
          referenceMayChange(caller, record.state) ? 200 : referenceChangeRefusal(caller, record.state),
        (caller) => ({ narrative: `Revised by ${caller.name}` }),
      ),
    withdrawAlert: () =>
      perRecord('alert', 'withdrawAlert', 'POST', '/withdraw', (caller, record) =>
        referenceMayChange(caller, record.state) ? 200 : referenceChangeRefusal(caller, record.state),
      ),
    withdrawSeizure: () =>
      perRecord('seizure', 'withdrawSeizure', 'POST', '/withdraw', (caller, record) =>
        referenceMayChange(caller, record.state) ? 200 : referenceChangeRefusal(caller, record.state),
      ),
    // The feedback loop (issue 16): feedback as reads are, the inbox and escalations per organization.
    submitAlertFeedback: () =>
      perRecord(
        'alert',
        'submitAlertFeedback',
        'POST',
        '/feedback',
        (caller, record) => (referenceMayRead(caller, record.state) ? 201 : 404),
        () => ({ type: 'received' }),
      ),
    listAlertFeedback: () =>
      perRecord('alert', 'listAlertFeedback', 'GET', '/feedback', (caller, record) =>
        referenceMayRead(caller, record.state) ? 200 : 404,
      ).map((attempt) => ({
        ...attempt,
        check: (answer: unknown) =>
          attempt.path === `/v1/alerts/${(answer as { alert?: string }).alert}/feedback`
            ? []
            : ['another alert'],
      })),
    readInbox: () =>
      functionLevel(
        'readInbox',
        'GET',
        () => '/v1/inbox?limit=200',
        () => true,
        200,
        {
          check: (caller) => (answer) =>
            (answer as { items: { alert: { id: string } }[] }).items.flatMap((item) => {
              const record = records.find((candidate) => candidate.id === item.alert.id);
              return record && !referenceMayRead(caller.organization!, record.state)
                ? [`inbox carries the ${record.state.handling} alert`]
                : [];
            }),
        },
      ),
    listEscalations: () =>
      functionLevel(
        'listEscalations',
        'GET',
        () => '/v1/escalations',
        () => true,
        200,
      ),
    listSubscriptions: () =>
      functionLevel(
        'listSubscriptions',
        'GET',
        () => '/v1/subscriptions',
        () => true,
        200,
        {
          check: notOwnersSubscription,
        },
      ),
    createSubscription: () =>
      callers.flatMap((caller): Attempt[] => [
        {
          operation: 'createSubscription',
          caller,
          target: "a subscription in the owner's name",
          method: 'POST',
          path: '/v1/subscriptions',
          body: {
            name: 'Spoofed',
            filter: {},
            delivery: { type: 'pull' },
            organizationCode: owner.organization!.code,
          },
          expected: unauthenticated(caller) ? 401 : 400,
          order: 'refused-or-read',
        },
        {
          operation: 'createSubscription',
          caller,
          target: 'its own subscription',
          method: 'POST',
          path: '/v1/subscriptions',
          body: {
            name: `Own ${randomUUID()}`,
            filter: { categories: ['nuclear'] },
            delivery: { type: 'pull' },
          },
          expected: unauthenticated(caller) ? 401 : 201,
          order: unauthenticated(caller) ? 'refused-or-read' : 'allowed-write',
        },
      ]),
    getSubscription: () => [
      ...perSubscription('getSubscription', 'GET', 'pull', '', 200),
      ...perSubscription('getSubscription', 'GET', 'webhook', '', 200),
    ],
    updateSubscription: () =>
      (['pull', 'webhook'] as const).flatMap((which) =>
        perSubscription('updateSubscription', 'PATCH', which, '', 200, {
          body: { name: `Renamed ${randomUUID()}`, filter: { categories: ['chemical'] } },
        }),
      ),
    deleteSubscription: () =>
      (['pull', 'webhook'] as const).flatMap((which) =>
        perSubscription('deleteSubscription', 'DELETE', which, '', 204, { order: 'allowed-destruction' }),
      ),
    rotateSubscriptionSecret: () => [
      ...perSubscription('rotateSubscriptionSecret', 'POST', 'webhook', '/rotate-secret', 200),
      // A pull subscription has no secret: 409 for its owner, 404 for everyone else.
      ...perSubscription('rotateSubscriptionSecret', 'POST', 'pull', '/rotate-secret', 409),
    ],
    resumeSubscription: () => perSubscription('resumeSubscription', 'POST', 'webhook', '/resume', 200),
    pullSubscriptionEvents: () => [
      ...perSubscription('pullSubscriptionEvents', 'GET', 'pull', '/events?limit=500', 200, {
        check: readableEvents,
      }),
      // The owner's cursor on one's own feed names a position, never the owner's events.
      ...organizationsOf()
        .filter((caller) => ownPullFeeds.has(caller.name))
        .flatMap((caller): Attempt[] => [
          {
            operation: 'pullSubscriptionEvents',
            caller,
            target: 'its own feed from the start',
            method: 'GET',
            path: `/v1/subscriptions/${ownPullFeeds.get(caller.name)}/events?limit=500`,
            expected: 200,
            check: readableEvents(caller),
            order: 'refused-or-read',
          },
          {
            operation: 'pullSubscriptionEvents',
            caller,
            target: "its own feed after the owner's cursor",
            method: 'GET',
            path: `/v1/subscriptions/${ownPullFeeds.get(caller.name)}/events?after=${ownerFeedCursor}`,
            expected: 200,
            check: readableEvents(caller),
            order: 'refused-or-read',
          },
        ]),
    ],
    listAuditEntries: () =>
      functionLevel(
        'listAuditEntries',
        'GET',
        () => `/v1/audit?limit=500&since=${encodeURIComponent(since)}`,
        (caller) => caller.organization?.kind === 'secretariat',
        200,
      ).map((attempt) => ({ ...attempt, showsIds: true })),
    verifyAuditChain: () =>
      functionLevel(
        'verifyAuditChain',
        'GET',
        () => '/v1/audit/verify',
        (caller) => caller.organization?.kind === 'secretariat',
        200,
      ),
    listSubscriptionDeliveries: () =>
      perSubscription('listSubscriptionDeliveries', 'GET', 'webhook', '/deliveries', 200),
    retrySubscriptionDelivery: () => [
      ...perSubscription(
        'retrySubscriptionDelivery',
        'POST',
        'webhook',
        `/deliveries/${deliveryId}/retry`,
        202,
      ),
      // Another's delivery through one's own subscription is no delivery of it.
      ...organizationsOf()
        .filter((caller) => ownPullFeeds.has(caller.name))
        .map((caller): Attempt => ({
          operation: 'retrySubscriptionDelivery',
          caller,
          target: "the owner's delivery through its own subscription",
          method: 'POST',
          path: `/v1/subscriptions/${ownPullFeeds.get(caller.name)}/deliveries/${deliveryId}/retry`,
          expected: 404,
          order: 'refused-or-read',
        })),
    ],
  };

  // -------------------------------------------------------------------------------------------
  // Judging an answer.

  const ownerIds = (): string[] => [
    ...records.map((record) => record.id),
    subscriptions.pull,
    subscriptions.webhook,
    deliveryId,
  ];

  /** What no answer to this caller may contain, besides the secrets every caller is kept from. */
  function privateTo(caller: Caller, showsIds = false): string[] {
    if (caller.organization?.code === owner.organization!.code) return [];
    const unreadable = records.filter(
      (record) => !caller.organization || !referenceMayRead(caller.organization, record.state),
    );
    const ids = [
      ...unreadable.map((record) => record.id),
      subscriptions.pull,
      subscriptions.webhook,
      deliveryId,
    ];
    return [
      ...unreadable.flatMap((record) => record.marks),
      subscriptions.pullName,
      subscriptions.webhookName,
      subscriptions.webhookUrl,
      ...(showsIds ? [] : ids),
    ];
  }

  /** A problem document without the parts that name the request (its path and id). */
  function normalizedProblem(body: unknown): string {
    const { instance: _instance, requestId: _requestId, ...rest } = (body ?? {}) as Record<string, unknown>;
    return JSON.stringify(rest);
  }

  async function judge(attempt: Attempt): Promise<void> {
    const response = await api(gateway.url, attempt.method, attempt.path, {
      key: attempt.caller.token,
      body: attempt.body,
    });
    const found = (what: string, leak: boolean): void => {
      findings.push({ attempt, status: response.status, what: `${leak ? 'LEAK' : 'MISMATCH'}: ${what}` });
      if (leak) leaking.add(attempt);
    };
    const { status } = response;
    if (status !== attempt.expected) {
      if (attempt.expected >= 400 && status < 300) found(`expected ${attempt.expected}, got ${status}`, true);
      else if (attempt.expected === 404 && status === 403)
        found('403 reveals a resource the rules hide (404)', true);
      else
        found(
          `expected ${attempt.expected}, got ${status}: ${JSON.stringify(response.body).slice(0, 200)}`,
          false,
        );
    }
    if (status >= 400 && !response.headers.get('content-type')?.startsWith('application/problem+json'))
      found(`refusal is ${response.headers.get('content-type')}`, false);
    await checkBody(attempt, response, found);
  }

  async function checkBody(
    attempt: Attempt,
    response: ApiResponse,
    found: (what: string, leak: boolean) => void,
  ): Promise<void> {
    const { instance: _instance, ...answer } =
      response.body && typeof response.body === 'object' && !Array.isArray(response.body)
        ? (response.body as Record<string, unknown>)
        : { body: response.body };
    const text = JSON.stringify(answer) ?? '';
    for (const secret of secrets)
      if (text.includes(secret)) found(`answer contains a secret (${secret.slice(0, 6)}…)`, true);
    for (const value of privateTo(attempt.caller, attempt.showsIds))
      if (value && text.includes(value)) found(`answer contains ${value.slice(0, 40)}`, true);
    if (response.status < 300 && attempt.check && response.status === attempt.expected) {
      for (const what of attempt.check(response.body)) found(what, !what.startsWith('MISSING'));
    }
    // Hidden is hidden: a 404 for another's resource reads exactly as one for a resource that does not exist.
    if (response.status === 404 && attempt.caller.organization) {
      let twin = attempt.path;
      for (const id of ownerIds()) twin = twin.replaceAll(id, randomUUID());
      const nonexistent = await api(gateway.url, attempt.method, twin, {
        key: attempt.caller.token,
        body: attempt.body,
      });
      if (normalizedProblem(nonexistent.body) !== normalizedProblem(response.body))
        found(`404 differs from a nonexistent resource's: ${normalizedProblem(response.body)}`, true);
    }
    // Secrets handed out (a new webhook secret, API key or stream password) may be shown once, in that answer only.
    const handed = response.body as
      { secret?: unknown; password?: unknown; apiKey?: { secret?: unknown } } | undefined;
    if (response.status < 300 && handed && typeof handed === 'object') {
      if (typeof handed.secret === 'string') secrets.add(handed.secret);
      if (typeof handed.password === 'string') secrets.add(handed.password);
      const nested = handed.apiKey;
      if (nested && typeof nested === 'object' && typeof nested.secret === 'string')
        secrets.add(nested.secret);
    }
  }

  async function runConcurrently(batch: Attempt[]): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < batch.length) await judge(batch[next++]);
      }),
    );
  }

  const changedTables = (before: HubStateFingerprint, after: HubStateFingerprint): string[] =>
    Object.keys({ ...before, ...after }).filter(
      (table) => JSON.stringify(before[table]) !== JSON.stringify(after[table]),
    );

  it('returns and changes nothing the rules forbid, for every operation of the OpenAPI document', async () => {
    const operations = operationsOf(await fetchOpenApiDocument(gateway.url)).map(
      (operation) => operation.operationId,
    );
    expect({ withoutRow: operations.filter((operation) => !ROWS[operation]) }).toEqual({ withoutRow: [] });
    expect({ unknownRows: Object.keys(ROWS).filter((row) => !operations.includes(row)) }).toEqual({
      unknownRows: [],
    });
    for (const operation of operations) attempts.push(...ROWS[operation]().map(withScope));

    // Refusals and reads, operation by operation: no table may change.
    for (const operation of operations) {
      const batch = attempts.filter(
        (attempt) => attempt.operation === operation && attempt.order === 'refused-or-read',
      );
      const before = await hubStateFingerprint(db);
      await runConcurrently(batch);
      const changed = changedTables(before, await hubStateFingerprint(db));
      if (changed.length > 0) {
        leaking.add(batch[0]);
        findings.push({
          attempt: batch[0],
          status: 0,
          what: `LEAK: refused ${operation} attempts changed ${changed.join(', ')}`,
        });
      }
    }
    // What the rules allow, one at a time; destruction last, so every attempt above met the resource.
    for (const attempt of attempts.filter((candidate) => candidate.order === 'allowed-write')) {
      await judge(attempt);
      await learnStoredSecrets();
    }
    // Secrets handed out by those writes (a rotated webhook secret, a new API key) stay out of later answers.
    const afterWrites = [
      ...perSubscription('getSubscription', 'GET', 'webhook', '', 200),
      ...functionLevel(
        'listSubscriptions',
        'GET',
        () => '/v1/subscriptions',
        () => true,
        200,
      ),
      ...admin(
        'listApiKeys',
        'GET',
        () => `/v1/admin/organizations/${owner.organization!.code}/api-keys`,
        200,
      ),
      ...admin(
        'listStreamCredentials',
        'GET',
        () => `/v1/admin/organizations/${owner.organization!.code}/stream-credentials`,
        200,
      ),
    ];
    attempts.push(...afterWrites);
    await runConcurrently(afterWrites);
    for (const attempt of attempts.filter((candidate) => candidate.order === 'allowed-destruction')) {
      await judge(attempt);
    }
    const perOperation = operations.map(
      (operation) => `${operation}: ${attempts.filter((attempt) => attempt.operation === operation).length}`,
    );
    process.stdout.write(
      `[authorization matrix] ${attempts.length} attempts by ${callers.length} callers over ${operations.length} operations: ` +
        `${leaking.size} leaks, ${findings.filter((finding) => finding.what.startsWith('MISMATCH')).length} other mismatches\n  ${perOperation.join(', ')}\n`,
    );
    expect(
      findings.map(
        (finding) =>
          `${finding.attempt.operation} by ${finding.attempt.caller.name} on ${finding.attempt.target} (${finding.attempt.method} ${finding.attempt.path.slice(0, 90)}) → ${finding.status}: ${finding.what}`,
      ),
    ).toEqual([]);
    expect(leaking.size).toBe(0);
  }, 300_000);
});
