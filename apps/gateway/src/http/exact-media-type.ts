import type { FastifyReply } from 'fastify';

/**
 * A JSON body sent under exactly the given media type. Fastify rewrites a JSON-like content type
 * it serializes (`; version="2.1"; charset=utf-8`); STIX and TAXII clients compare the TAXII
 * spelling `application/taxii+json;version=2.1`, so the body goes out as bytes.
 */
export function exactMediaType(reply: FastifyReply, mediaType: string, body: unknown): Buffer {
  void reply.header('content-type', mediaType);
  return Buffer.from(JSON.stringify(body), 'utf8');
}
