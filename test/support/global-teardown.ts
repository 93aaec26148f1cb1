/**
 * The broker is left running on purpose: the next `npm test` reuses it, and
 * `npm run kafka:stop` stops it. CI ends every process when its run is over.
 */
export default function globalTeardown(): void {}
