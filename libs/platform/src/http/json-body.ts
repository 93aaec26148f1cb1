import { isUtf8 } from 'node:buffer';
import { type FieldPath, ProblemException, problemFieldAt } from './problem-details';

/** Deeper than any body the hub takes; deeper ones are refused before anything walks them. */
export const MAX_JSON_DEPTH = 32;

/**
 * Keys that reach prototypes when copied by assignment, or that validation libraries mistake for
 * declared properties because they look names up in plain objects (class-validator's whitelist
 * takes `hasOwnProperty` for a property it knows). No body of the hub has such a field.
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  // class-transformer drops it without a word, so the whitelist never sees it.
  'prototype',
]);

function refused(path: FieldPath, reason: string, detail: string): ProblemException {
  return ProblemException.invalidRequest([problemFieldAt(path, reason)], detail);
}

/** Refuses prototype keys and excessive depth, naming the place; walks without recursion. */
function checkStructure(value: unknown): void {
  const pending: { node: unknown; path: (string | number)[] }[] = [{ node: value, path: [] }];
  while (pending.length > 0) {
    const { node, path } = pending.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (path.length >= MAX_JSON_DEPTH) {
      throw refused(path, `must not nest deeper than ${MAX_JSON_DEPTH} levels`, 'The body nests too deep.');
    }
    if (Array.isArray(node)) {
      node.forEach((item, index) => pending.push({ node: item, path: [...path, index] }));
      continue;
    }
    for (const key of Object.keys(node)) {
      if (PROTOTYPE_KEYS.has(key))
        throw refused([...path, key], 'is not allowed', 'The request has invalid fields.');
      pending.push({ node: (node as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
}

/**
 * A JSON request body: UTF-8 (a byte order mark is skipped), well-formed, without prototype keys
 * and not absurdly deep; an empty body is no body. Anything else is a ProblemException naming
 * the body, or the place in it.
 */
export function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined;
  if (!isUtf8(bytes)) throw refused([], 'the body is not valid UTF-8', 'The body is not UTF-8 encoded JSON.');
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    // JSON.parse defines `__proto__` as a plain key rather than setting the prototype; checkStructure refuses it.
    value = JSON.parse(text);
  } catch {
    throw refused([], 'the body is not valid JSON', 'Malformed JSON body.');
  }
  checkStructure(value);
  return value;
}
