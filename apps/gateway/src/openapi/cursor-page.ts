import type { ReferenceObject, SchemaObject } from '@nestjs/swagger';

/** The schema of a page of a cursor-paged list: its items, and the cursor of the next page (null on the last). */
export function cursorPageSchema(items: SchemaObject | ReferenceObject): SchemaObject {
  return {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: {
      items: { type: 'array', items },
      nextCursor: { type: ['string', 'null'] },
    },
  };
}
