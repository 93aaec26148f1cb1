import { HttpStatus } from '@nestjs/common';

/** One bad field of a request, as listed in a problem+json body. */
export interface ProblemField {
  /** Dotted path with array indexes, e.g. `commodities[0].hsCode`. */
  field: string;
  /** RFC 6901 JSON Pointer to the same place in the request body or query. */
  pointer: string;
  detail: string;
}

/** RFC 9457 problem details, with the hub's `errors` and `requestId` extension members. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: ProblemField[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_TYPE_BASE = 'https://cosmo-hub.example/problems/';

/** A place in a JSON value: property names and array indexes. */
export type FieldPath = readonly (string | number)[];

/** Keys written bare in a field; any other key is written quoted, `delivery["a.b"]`, so a field names one place. */
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['commodities', 0, 'hsCode']` → `commodities[0].hsCode`; `['route', 'a.b']` → `route["a.b"]`. */
export function formatField(path: FieldPath): string {
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      if (!IDENTIFIER.test(segment)) return `[${JSON.stringify(segment)}]`;
      return index === 0 ? segment : `.${segment}`;
    })
    .join('');
}

const FIELD_SEGMENT = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[]+)/y;

/** The segments of a field written by formatField (or by hand, dotted). */
export function parseField(field: string): (string | number)[] {
  const segments: (string | number)[] = [];
  let at = 0;
  while (at < field.length) {
    FIELD_SEGMENT.lastIndex = at;
    const match = FIELD_SEGMENT.exec(field);
    if (!match) {
      segments.push(field.slice(at));
      break;
    }
    at = FIELD_SEGMENT.lastIndex;
    if (match[1] !== undefined) segments.push(Number(match[1]));
    else if (match[2] !== undefined) segments.push(JSON.parse(match[2]) as string);
    else segments.push(match[3]);
  }
  return segments;
}

function pointerOf(path: FieldPath): string {
  return path.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Turns `commodities[0].hsCode` into `/commodities/0/hsCode`, and `route["a.b"]` into `/route/a.b`. */
export function fieldToPointer(field: string): string {
  // '' is the body itself; any other field, even `$`, is a key of it.
  if (field === '') return '';
  return pointerOf(parseField(field));
}

export function problemField(field: string, detail: string): ProblemField {
  return { field, pointer: fieldToPointer(field), detail };
}

/** The field at a path given as segments, with its exact pointer. */
export function problemFieldAt(path: FieldPath, detail: string): ProblemField {
  return { field: formatField(path), pointer: pointerOf(path), detail };
}

/** An error that the HTTP layer renders as problem+json, and nothing else. */
export class ProblemException extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: ProblemField[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.name = 'ProblemException';
  }

  toDocument(instance?: string, requestId?: string): ProblemDocument {
    return {
      type: `${PROBLEM_TYPE_BASE}${this.slug}`,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(instance ? { instance } : {}),
      ...(requestId ? { requestId } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }

  static invalidRequest(
    errors: ProblemField[],
    detail = 'The request has invalid fields.',
  ): ProblemException {
    return new ProblemException(HttpStatus.BAD_REQUEST, 'invalid-request', 'Invalid request', detail, errors);
  }

  /** Records an organization may not read are reported exactly like records that do not exist. */
  static notFound(detail = 'No such resource.'): ProblemException {
    return new ProblemException(HttpStatus.NOT_FOUND, 'not-found', 'Not found', detail);
  }

  static conflict(detail: string): ProblemException {
    return new ProblemException(HttpStatus.CONFLICT, 'conflict', 'Conflict', detail);
  }

  static unauthorized(
    detail = 'A valid API key is required: Authorization: Bearer <key>.',
  ): ProblemException {
    return new ProblemException(HttpStatus.UNAUTHORIZED, 'unauthorized', 'Unauthorized', detail, undefined, {
      'www-authenticate': 'Bearer',
    });
  }

  /**
   * Any request with a key of a suspended organization: the same answer on every route, telling
   * nothing of the route, the resource or the suspension's reason.
   */
  static organizationSuspended(): ProblemException {
    return new ProblemException(
      HttpStatus.FORBIDDEN,
      'organization-suspended',
      'Organization suspended',
      'This organization is suspended by the hub operator.',
    );
  }

  /** A read-only API key on a route that writes: the key is valid, its scope is not enough. */
  static insufficientScope(): ProblemException {
    return new ProblemException(
      HttpStatus.FORBIDDEN,
      'insufficient-scope',
      'Insufficient scope',
      'This API key is read-only: it may read, not write.',
    );
  }

  /** A record names a joint operation that is not running: before its period, after it, or closed. */
  static operationNotActive(detail: string): ProblemException {
    return new ProblemException(HttpStatus.CONFLICT, 'operation-not-active', 'Operation not active', detail);
  }

  static forbidden(detail: string): ProblemException {
    return new ProblemException(HttpStatus.FORBIDDEN, 'forbidden', 'Forbidden', detail);
  }
}
